import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerDriver } from "../../src/drivers/docker/dockerDriver.js";
import { createFirstOwner, type TestUser } from "../../src/server/users/testUsers.js";
import { buildAgentTarball } from "../support/agentTarball.js";
import {
  buildTestImage,
  canBuildTestImage,
  docker,
  dockerInspect,
  dockerIsRunning,
  driverBuildContext,
  outputOf,
  removeDockerObjectsOf,
  sshdIsInstalled,
  startPrivateSshd,
  waitForAgentReady,
  type PrivateSshd,
} from "../support/dockerTest.js";
import { JobWatcher } from "../support/jobWatcher.js";
import { requirePrerequisite } from "../support/prerequisites.js";
import { createTestTemplate } from "../support/templates.js";
import { createTestServer, type TestServer } from "../support/testServer.js";
import { WorkspaceTestApi } from "../support/workspaces.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

type InspectedContainer = { Config: { Labels: Record<string, string>; Image: string }; Mounts: Array<{ Name?: string; Destination: string }> };

const haveDocker = requirePrerequisite("docker engine and debootstrap", dockerIsRunning() && canBuildTestImage(), "run scripts/install-test-deps.sh to install them and start dockerd");
const haveSshd = requirePrerequisite("OpenSSH server and client", sshdIsInstalled(), "run scripts/install-test-deps.sh, which installs openssh-server");
const runs = haveDocker && haveSshd;

/**
 * DOCKER_HOST=ssh://…: the driver reaches the engine through `ssh … docker
 * system dial-stdio`, against a private sshd on this machine, whose Docker
 * engine is then "remote". The local docker CLI checks what the driver did.
 */
describe.runIf(runs)(`the docker driver over ssh://${runs ? "" : " (skipped: no Docker engine, debootstrap or sshd; run scripts/install-test-deps.sh)"}`, () => {
  let sshd: PrivateSshd;
  let image: string;
  const workspaceIds: string[] = [];

  beforeAll(async () => {
    [sshd, image] = await Promise.all([startPrivateSshd(), buildTestImage()]);
  }, 600_000);

  afterAll(async () => {
    removeDockerObjectsOf(workspaceIds);
    await sshd?.close();
  });

  it("creates and removes a volume, a container and a built image over ssh, reusing its connections", async () => {
    const driver = createDockerDriver({ host: sshd.dockerHost, sshConfig: sshd.clientConfig });
    const workspaceId = randomUUID();
    workspaceIds.push(workspaceId);
    const files = { "Dockerfile": `FROM ${image}\nRUN echo "over ssh ${workspaceId}" > /via-ssh\n` };
    const before = sshd.acceptedLogins();
    // A kept connection must not gather listeners request after request (Node warns past ten).
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);

    const img = await driver.create(driverBuildContext(workspaceId, "start", files), { name: "img", kind: "image", lifetime: "persistent", settings: { build: {} } });
    const tag = String(img.outputs.name);
    try {
      const home = await driver.create(driverBuildContext(workspaceId), { name: "home", kind: "volume", lifetime: "persistent", settings: {} });
      const dev = await driver.create(driverBuildContext(workspaceId), {
        name: "dev",
        kind: "container",
        lifetime: "ephemeral",
        settings: { image: tag, command: ["sleep", "infinity"], grace_seconds: 0, mounts: [{ volume: home.outputs.name, target: "/data" }] },
      });
      // The engine behind ssh is this machine's: the local CLI sees what the driver made.
      const inspected = dockerInspect<InspectedContainer>("container", String(dev.outputs.name))!;
      expect(inspected.Config.Labels).toMatchObject({ "den.managed": "true", "den.workspace_id": workspaceId, "den.resource": "dev" });
      expect(inspected.Config.Image).toBe(tag);
      expect(inspected.Mounts).toEqual([expect.objectContaining({ Name: home.outputs.name, Destination: "/data" })]);
      expect(docker("exec", String(dev.outputs.name), "cat", "/via-ssh")).toBe(`over ssh ${workspaceId}`);
      expect(await driver.exists(dev)).toBe(true);

      await driver.destroy(driverBuildContext(workspaceId, "stop"), dev);
      await driver.destroy(driverBuildContext(workspaceId, "delete"), home);
      expect(dockerInspect("container", String(dev.outputs.name))).toBeUndefined();
      expect(dockerInspect("volume", String(home.outputs.name))).toBeUndefined();
      expect(await driver.exists(home)).toBe(false);
    } finally {
      docker("rmi", "-f", tag);
      process.off("warning", onWarning);
      driver.close?.();
    }
    expect(warnings).toEqual([]);
    // Some twenty requests went over ssh. Connections are kept and reused: a new login is needed only when a
    // request is cut short on purpose (the container's start window ends its wait by closing the connection).
    const logins = sshd.acceptedLogins() - before;
    expect(logins).toBeGreaterThanOrEqual(1);
    expect(logins).toBeLessThanOrEqual(3);
  }, 180_000);

  it("fails clearly when ssh cannot get through, naming the host and quoting ssh", async () => {
    const state = { name: "home", driver: "docker", kind: "volume", lifetime: "persistent" as const, outputs: {}, data: { name: "den-ssh-nothing" } };
    const target = sshd.dockerHost.replace(/^ssh:\/\//, "");
    const stranger = createDockerDriver({ host: sshd.dockerHost, sshConfig: sshd.strangerConfig });
    await expect(stranger.exists(state)).rejects.toThrow(`cannot reach the Docker engine at ${sshd.dockerHost}: ssh to ${target} exited with code 255: Host key verification failed`);
    const nobody = createDockerDriver({ host: sshd.dockerHost.replace(/\/\/[^@]+@/, "//den-no-such-user@"), sshConfig: sshd.clientConfig });
    await expect(nobody.exists(state)).rejects.toThrow(/ssh to den-no-such-user@127\.0\.0\.1:\d+ exited with code 255: den-no-such-user@127\.0\.0\.1: Permission denied \(publickey\)/);
    // The message ends with what to try by hand.
    await expect(nobody.exists(state)).rejects.toThrow(/Check that `ssh -T -o BatchMode=yes -o ConnectTimeout=30 -F \S+ -l den-no-such-user -p \d+ -- 127\.0\.0\.1 docker system dial-stdio` works/);
    const workspaceId = randomUUID();
    await expect(stranger.create(driverBuildContext(workspaceId), { name: "home", kind: "volume", lifetime: "persistent", settings: {} })).rejects.toThrow("Host key verification failed");
    expect(docker("volume", "ls", "-q", "--filter", `label=den.workspace_id=${workspaceId}`)).toBe("");
  }, 60_000);

  describe("a workspace of the docker example with --docker-host ssh://", () => {
    let server: TestServer;
    let jobs: JobWatcher;
    let api: WorkspaceTestApi;
    let owner: TestUser;
    let agentDir: string;

    beforeAll(async () => {
      agentDir = await buildAgentTarball();
      server = await createTestServer({ config: { agentDir, dockerHost: sshd.dockerHost, dockerSshConfig: sshd.clientConfig } });
      const url = await server.app.listen({ host: "127.0.0.1", port: 0 });
      // Containers use the host network here, so the server's loopback address reaches them.
      server.setAccessUrl(url);
      jobs = await JobWatcher.start(server);
      api = new WorkspaceTestApi(server, jobs);
      owner = await createFirstOwner(server.app);
    }, 600_000);

    afterAll(async () => {
      await jobs?.close();
      await server?.stop();
      if (agentDir) rmSync(agentDir, { recursive: true, force: true });
    });

    it("creates the container through ssh, its agent gets ready, and delete removes it all", async () => {
      const example = join(root, "examples", "docker");
      const template = await createTestTemplate(server, jobs, owner.token, "docker", { "den.yaml": readFileSync(join(example, "den.yaml"), "utf8") });
      const before = sshd.acceptedLogins();
      const created = await api.createAndSettle(owner.token, { name: "remote", template_id: template.id, rich_parameter_values: [{ name: "image", value: image }] });
      workspaceIds.push(created.id);
      expect(created.status, created.latest_build.job.error ?? "").toBe("running");
      expect(sshd.acceptedLogins()).toBeGreaterThan(before);
      await waitForAgentReady(api, owner.token, created.id);
      const box = outputOf(created, "dev");
      const home = outputOf(created, "home");
      expect(dockerInspect<InspectedContainer>("container", box)!.Config.Labels).toMatchObject({ "den.workspace_id": created.id, "den.build_id": created.latest_build.id });
      expect(docker("exec", box, "cat", "/home/admin/README")).toContain("Welcome to remote");

      const deleted = await api.settle(owner.token, await api.build(owner.token, created.id, { transition: "delete" }));
      expect(deleted.status, deleted.latest_build.job.error ?? "").toBe("deleted");
      expect(dockerInspect("container", box)).toBeUndefined();
      expect(dockerInspect("volume", home)).toBeUndefined();
    }, 300_000);
  });
});
