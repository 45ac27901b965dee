#!/usr/bin/env bash
# Installs the system programs the test suites run against (real OpenSSH client
# and server, rsync, Chromium, a Docker engine) on Debian 12, and starts dockerd
# when it is not running. Safe to run again: it installs only what is missing, so a second run
# takes well under a second. Runs as root with no terminal (CI); a developer
# who is not root gets the apt-get line to run instead.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# package  command that proves it is there
wanted=(
  "openssh-client ssh"
  "openssh-server /usr/sbin/sshd"
  "rsync rsync"
  "chromium chromium"
  "docker.io dockerd"
  "debootstrap debootstrap"
  "curl curl"
)

missing=()
for entry in "${wanted[@]}"; do
  read -r package command <<<"$entry"
  command -v "$command" >/dev/null 2>&1 || missing+=("$package")
done

if ((${#missing[@]} > 0)); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: missing ${missing[*]}; run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "install-test-deps: installing ${missing[*]}"
  apt-get update -qq </dev/null
  apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" </dev/null >/dev/null
fi

# Docker: the engine runs without iptables or a bridge (containers use the host
# network), on the vfs storage driver that works inside an unprivileged
# container. See TECH-NOTES.md. A later suite that needs Docker fails under
# CI=true if the engine is not up (test/support/prerequisites.ts), so here a
# failure to start is reported, not fatal.
if command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: dockerd is not running; start it as root" >&2
  else
    log=/var/log/den-dockerd.log
    echo "install-test-deps: starting dockerd (log in $log)"
    setsid nohup dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs </dev/null >"$log" 2>&1 &
    # No event to wait on: poll the engine with a deadline.
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 0.5
    done
    if ! docker info >/dev/null 2>&1; then
      echo "install-test-deps: dockerd did not come up; last lines of $log:" >&2
      tail -n 5 "$log" >&2 || true
    fi
  fi
fi

echo "install-test-deps: ready"
