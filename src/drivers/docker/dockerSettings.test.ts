import { describe, expect, it } from "vitest";
import { checkContainerSettings, checkImageSettings, checkNetworkSettings, checkVolumeSettings, joinsNetwork } from "./dockerSettings.js";

describe("checkContainerSettings", () => {
  it("takes a full container and converts sizes", () => {
    const { issues, settings } = checkContainerSettings(
      {
        image: "debian:bookworm",
        command: ["sleep", "infinity"],
        env: { HOME: "/home/a" },
        mounts: [{ volume: "den-x-home", target: "/home/a" }, { host_path: "/srv/data", target: "/data", read_only: true }],
        cpus: 1.5,
        memory: "512m",
        extra_hosts: ["host.docker.internal:host-gateway"],
        labels: { team: "web" },
        working_dir: "/home/a",
        user: "1000:1000",
      },
      "evaluated",
    );
    expect(issues).toEqual([]);
    expect(settings).toMatchObject({
      memoryBytes: 512 * 1024 ** 2,
      cpus: 1.5,
      networkMode: "host",
      graceSeconds: 10,
      mounts: [
        { type: "volume", source: "den-x-home", target: "/home/a", readOnly: false },
        { type: "bind", source: "/srv/data", target: "/data", readOnly: true },
      ],
    });
  });

  it("names each bad field", () => {
    const { issues, settings } = checkContainerSettings(
      {
        command: "sleep",
        cpus: 0,
        memory: "1k",
        mounts: [{ volume: "v", host_path: "/x", target: "/t" }, { volume: "v", target: "relative" }],
        labels: { "den.workspace_id": "forged" },
        extra_hosts: ["nocolon"],
        colour: "blue",
      },
      "evaluated",
    );
    expect(settings).toBeUndefined();
    expect(issues.map((i) => i.path).sort()).toEqual(["colour", "command", "cpus", "extra_hosts.0", "image", "labels.den.workspace_id", "memory", "mounts.0", "mounts.1.target"].sort());
    expect(issues.find((i) => i.path === "cpus")?.message).toBe("must be from 0.01 to 1024 CPUs, not 0");
    expect(issues.find((i) => i.path === "memory")?.message).toContain("at least 6m");
  });

  it("accepts expressions anywhere at import, and checks them once evaluated", () => {
    const raw = { image: "${{ params.image }}", cpus: "${{ params.cpus }}", memory: "${{ params.mem }}g", mounts: [{ volume: "${{ resources.home.name }}", target: "/home/${{ owner.username }}" }] };
    expect(checkContainerSettings(raw, "template").issues).toEqual([]);
    expect(checkContainerSettings({ image: "x", cpus: "2", memory: "2g" }, "evaluated").settings).toMatchObject({ cpus: 2, memoryBytes: 2 * 1024 ** 3 });
    expect(checkContainerSettings({ image: "x", cpus: "lots" }, "evaluated").issues).toEqual([{ path: "cpus", message: 'must be a number of CPUs, not "lots"' }]);
  });
});

describe("volume and image settings", () => {
  it("checks names, and requires a name when nothing is built", () => {
    expect(checkVolumeSettings({ name: "-bad" }, "evaluated").issues[0]?.path).toBe("name");
    expect(checkVolumeSettings({}, "evaluated").settings).toEqual({ name: undefined, labels: {} });
    expect(checkImageSettings({ name: "debian:bookworm" }, "evaluated").settings).toEqual({ name: "debian:bookworm" });
    expect(checkImageSettings({}, "template").issues).toEqual([{ path: "name", message: expect.stringMatching(/^required: .*or build: \{context, dockerfile\}/) }]);
    expect(checkImageSettings({ dockerfile: "Dockerfile", name: "x" }, "template").issues).toEqual([{ path: "dockerfile", message: 'unknown setting "dockerfile"; a docker image takes name, build' }]);
  });
});

describe("image build settings", () => {
  const files = new Set(["den.yaml", "image/Dockerfile", "image/hello.sh", "Dockerfile.dev"]);

  it("takes defaults, normalises paths and finds the Dockerfile among the template's files", () => {
    expect(checkImageSettings({ build: { context: "./image/" } }, "template", files)).toEqual({
      issues: [],
      settings: { name: undefined, build: { context: "image", dockerfile: "Dockerfile", args: {}, target: undefined } },
    });
    expect(checkImageSettings({ name: "team/dev", build: { dockerfile: "Dockerfile.dev", args: { VERSION: "1" }, target: "dev" } }, "evaluated", files).settings).toEqual({
      name: "team/dev",
      build: { context: "", dockerfile: "Dockerfile.dev", args: { VERSION: "1" }, target: "dev" },
    });
  });

  it("names each bad field of build", () => {
    const paths = (build: unknown, name?: string) => checkImageSettings({ build, ...(name ? { name } : {}) }, "template", files).issues.map((i) => `${i.path}: ${i.message}`);
    expect(paths({ context: "../elsewhere" })).toEqual(['build.context: must be a path inside the template folder (relative, without ..), not "../elsewhere"']);
    expect(paths({ dockerfile: "/etc/Dockerfile" })[0]).toMatch(/^build.dockerfile: must be a path inside the template folder/);
    expect(paths({ dockerfile: "" })).toEqual(['build.dockerfile: must not be empty (the whole template folder is ".")']);
    expect(paths({ context: "image", dockerfile: "Containerfile" })).toEqual(["build.dockerfile: there is no file image/Containerfile in the template folder"]);
    expect(paths({})).toEqual(["build.dockerfile: there is no file Dockerfile in the template folder (the default is Dockerfile in the build context)"]);
    expect(paths({ context: "image", args: { "bad-name": "x", OK: 1 }, tag: "v1" })).toEqual([
      'build.tag: unknown build setting "tag"; build takes context, dockerfile, args, target',
      "build.args.bad-name: is not a valid name: use letters, digits and _, not starting with a digit",
      "build.args.OK: must be a string, not number 1",
    ]);
    expect(paths("Dockerfile")).toEqual(['build: must be a map {context, dockerfile, args, target}, not "Dockerfile"']);
    expect(paths({ context: "image" }, "den-img:v1")[0]).toMatch(/^name: with build, the repository to tag the built image in/);
  });

  it("accepts expressions at import and does not look for files it cannot name yet", () => {
    expect(checkImageSettings({ build: { context: "${{ params.dir }}", args: { V: "${{ params.v }}" } } }, "template", files).issues).toEqual([]);
    expect(checkImageSettings({ build: "${{ params.build }}" }, "template", files).issues).toEqual([]);
  });
});

describe("network settings and joining networks", () => {
  it("takes defaults and names bad fields", () => {
    expect(checkNetworkSettings({}, "evaluated").settings).toEqual({ name: undefined, driver: "bridge", internal: false, labels: {} });
    expect(checkNetworkSettings({ internal: "yes", driver: "bridge", labels: { "den.managed": "false" } }, "template").issues.map((i) => i.path)).toEqual(["driver", "internal", "labels.den.managed"]);
    expect(checkNetworkSettings({ network_driver: "Bad Driver" }, "template").issues.map((i) => i.path)).toEqual(["network_driver"]);
  });

  it("lets a container join networks only from a network mode that is itself a network", () => {
    const issues = (settings: Record<string, unknown>) => checkContainerSettings({ image: "x", ...settings }, "evaluated").issues;
    expect(issues({ network_mode: "den-net", networks: ["den-other"] })).toEqual([]);
    expect(issues({ networks: ["den-net"] })).toEqual([{ path: "networks", message: expect.stringContaining("the default network_mode is host") }]);
    expect(issues({ network_mode: "none", networks: ["den-net"] })).toEqual([{ path: "networks", message: expect.stringContaining("network_mode none cannot join other networks") }]);
    expect(checkContainerSettings({ image: "x", network_mode: "${{ resources.net.name }}", networks: ["${{ resources.other.name }}"] }, "template").issues).toEqual([]);
    expect(joinsNetwork("den-net")).toBe(true);
    expect(["host", "none", "bridge", "default", "container:abc"].map(joinsNetwork)).toEqual([false, false, false, false, false]);
  });
});
