import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerDriver } from "../../src/drivers/docker/dockerDriver.js";
import type { ResourceState } from "../../src/drivers/driver.js";
import { buildTestImage, canBuildTestImage, docker, dockerInspect, dockerIsRunning, driverBuildContext, removeDockerObjectsOf } from "../support/dockerTest.js";
import { requirePrerequisite } from "../support/prerequisites.js";

type InspectedNetwork = { Name: string; Driver: string; Internal: boolean; Labels: Record<string, string>; Containers: Record<string, { Name: string }> };
type InspectedContainer = { HostConfig: { NetworkMode: string }; NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> } };

const haveDocker = requirePrerequisite("docker engine and debootstrap", dockerIsRunning() && canBuildTestImage(), "run scripts/install-test-deps.sh to install them and start dockerd");

/** The network kind and containers on user-defined networks, with the driver alone against the real engine. */
describe.runIf(haveDocker)(`docker networks${haveDocker ? "" : " (skipped: no Docker engine or no debootstrap; run scripts/install-test-deps.sh)"}`, () => {
  const driver = createDockerDriver({ host: process.env.DOCKER_HOST });
  const workspaceId = randomUUID();
  const ctx = (transition: "start" | "stop" | "delete" = "start") => driverBuildContext(workspaceId, transition);
  let image: string;

  beforeAll(async () => {
    image = await buildTestImage();
  }, 600_000);

  afterAll(() => removeDockerObjectsOf([workspaceId]));

  const network = (name: string, settings: Record<string, unknown> = {}) => driver.create(ctx(), { name, kind: "network", lifetime: "ephemeral", settings });
  const container = (name: string, settings: Record<string, unknown>) =>
    driver.create(ctx(), { name, kind: "container", lifetime: "ephemeral", settings: { image, command: ["sleep", "infinity"], grace_seconds: 0, ...settings } });

  it("creates a labelled network that containers join, where they find each other by resource name", async () => {
    const net = await network("net");
    const back = await network("back", { internal: true, labels: { team: "web" } });
    const netName = String(net.outputs.name);
    const backName = String(back.outputs.name);
    expect(netName).toBe(`den-${workspaceId}-net`);
    expect(dockerInspect<InspectedNetwork>("network", netName)).toMatchObject({ Driver: "bridge", Internal: false, Labels: { "den.managed": "true", "den.workspace_id": workspaceId, "den.resource": "net" } });
    expect(dockerInspect<InspectedNetwork>("network", backName)).toMatchObject({ Internal: true, Labels: { team: "web", "den.resource": "back" } });

    const db = await container("db", { network_mode: netName, networks: [backName] });
    const dev = await container("dev", { network_mode: netName });
    const inspected = dockerInspect<InspectedContainer>("container", String(db.outputs.name))!;
    expect(inspected.HostConfig.NetworkMode).toBe(netName);
    expect(Object.keys(inspected.NetworkSettings.Networks).sort()).toEqual([backName, netName].sort());
    expect(inspected.NetworkSettings.Networks[backName]!.Aliases).toContain("db");
    // The engine's DNS on the network answers the other container's resource name.
    expect(docker("exec", String(dev.outputs.name), "getent", "hosts", "db")).toMatch(/^\d+\.\d+\.\d+\.\d+\s+db/);

    // Containers go first (the provisioner destroys in reverse order); a network still in use says so.
    await expect(driver.destroy(ctx("stop"), net)).rejects.toThrow(`the network ${netName} still has containers attached`);
    for (const c of [dev, db]) await driver.destroy(ctx("stop"), c);
    for (const n of [net, back]) await driver.destroy(ctx("stop"), n);
    expect(dockerInspect("network", netName)).toBeUndefined();
    expect(await driver.exists(net)).toBe(false);
    // Destroy is idempotent.
    await driver.destroy(ctx("stop"), net);
  });

  it("names a missing network in the container's settings, and leaves no container behind", async () => {
    await expect(container("dev", { network_mode: "den-no-such-network" })).rejects.toThrow("resource dev: network_mode: there is no Docker network named den-no-such-network");
    const net = await network("net");
    try {
      await expect(container("dev", { network_mode: String(net.outputs.name), networks: ["den-no-such-network"] })).rejects.toThrow("resource dev: networks.0: there is no Docker network named den-no-such-network");
    } finally {
      await driver.destroy(ctx("stop"), net);
    }
    expect(docker("ps", "-aq", "--filter", `label=den.workspace_id=${workspaceId}`)).toBe("");
  });

  it("takes over its own leftover network, and refuses a name that is someone else's", async () => {
    const first = await network("net");
    // A crashed build never recorded it: the next create finds it by name and labels.
    const again = await network("net");
    expect(again.outputs).toEqual(first.outputs);
    const foreign = `den-clash-${randomUUID().slice(0, 8)}`;
    docker("network", "create", foreign);
    try {
      await expect(network("other", { name: foreign })).rejects.toThrow(`name: a Docker network named ${foreign} already exists and is not this workspace's (it is not Den's)`);
      await expect(driver.create(driverBuildContext(randomUUID()), { name: "net", kind: "network", lifetime: "ephemeral", settings: { name: String(first.outputs.name) } })).rejects.toThrow(
        "it belongs to another Den workspace",
      );
    } finally {
      docker("network", "rm", foreign);
    }
    await driver.destroy(ctx("delete"), again as ResourceState);
    expect(dockerInspect("network", String(first.outputs.name))).toBeUndefined();
  });

  it("reports what the engine refuses, naming the driver", async () => {
    // Overlay networks need a swarm, which this engine is not part of.
    await expect(network("net", { network_driver: "overlay" })).rejects.toThrow(/resource net: create network den-.*-net \(driver overlay\): This node is not a swarm manager/);
  });
});
