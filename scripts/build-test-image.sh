#!/usr/bin/env bash
# Builds the small Debian image the docker tests and bench run, without a
# registry (none is reachable here): debootstrap a minbase bookworm into a
# cache directory, then `docker import` it. The tag is a hash of this script,
# so changing the recipe builds a new image and an unchanged one is reused
# (a second run takes well under a second). The image reference is the LAST
# line of the output, for callers that capture it.
#
# Environment: DEN_TEST_IMAGE_CACHE (default ~/.cache/den/test-image),
# DEN_DEBIAN_MIRROR (default http://deb.debian.org/debian). Runs as root
# (debootstrap needs it).
set -euo pipefail

script="${BASH_SOURCE[0]}"
hash=$(sha256sum "$script" | cut -c1-12)
image="den-test-image:$hash"
cache="${DEN_TEST_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/den/test-image}"
mirror="${DEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rootfs="$cache/rootfs-$hash"

command -v docker >/dev/null 2>&1 || { echo "build-test-image: docker CLI not found; run scripts/install-test-deps.sh" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "build-test-image: the Docker engine is not reachable; run scripts/install-test-deps.sh" >&2; exit 1; }

mkdir -p "$cache"
# Test files run in parallel and may all ask for the image at once: one builds, the others wait.
exec 9>"$cache/lock"
flock 9

if ! docker image inspect "$image" >/dev/null 2>&1; then
  if [ ! -f "$rootfs/.den-complete" ]; then
    command -v debootstrap >/dev/null 2>&1 || { echo "build-test-image: debootstrap not found; run scripts/install-test-deps.sh" >&2; exit 1; }
    rm -rf "$rootfs"
    echo "build-test-image: debootstrap bookworm into $rootfs (a few minutes, once)" >&2
    debootstrap --variant=minbase --include=curl,ca-certificates,procps bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
      echo "build-test-image: debootstrap failed; last lines of $cache/debootstrap.log:" >&2
      tail -n 20 "$cache/debootstrap.log" >&2
      exit 1
    }
    # Smaller image, faster import and container creation (the vfs storage
    # driver copies the whole tree for each container): package caches,
    # documentation and translations are not needed at run time.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
      "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/i18n/* "$rootfs"/usr/share/zoneinfo/*
    touch "$rootfs/.den-complete"
  fi
  echo "build-test-image: importing $image" >&2
  tar -C "$rootfs" --exclude=./.den-complete -c . | docker import -c 'CMD ["/bin/bash"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$image" >/dev/null
fi
echo "$image"
