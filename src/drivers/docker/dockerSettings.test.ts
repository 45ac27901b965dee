import { describe, expect, it } from "vitest";
import { checkContainerSettings, checkImageSettings, checkVolumeSettings } from "./dockerSettings.js";

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
  it("checks names and refuses Dockerfile builds with a way out", () => {
    expect(checkVolumeSettings({ name: "-bad" }, "evaluated").issues[0]?.path).toBe("name");
    expect(checkVolumeSettings({}, "evaluated").settings).toEqual({ name: undefined, labels: {} });
    expect(checkImageSettings({ dockerfile: "Dockerfile" }, "template").issues.map((i) => i.path)).toEqual(["dockerfile", "name"]);
    expect(checkImageSettings({ dockerfile: "Dockerfile" }, "template").issues[0]?.message).toContain("docker build -t NAME");
    expect(checkImageSettings({ name: "debian:bookworm" }, "evaluated").settings).toEqual({ name: "debian:bookworm" });
  });
});
