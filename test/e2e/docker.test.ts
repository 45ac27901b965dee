import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { webSocketDuplex } from "../../src/tunnel/webSocketDuplex.js";
import type { Template } from "../../src/sdk/schemas/templateApi.js";
import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import { createDriverRegistry } from "../../src/drivers/registry.js";
import { listDeletedWorkspaceIds } from "../../src/server/provisioners/listDeletedWorkspaceIds.js";
import { createFirstOwner, createTestUser, type TestUser } from "../../src/server/users/testUsers.js";
import { buildAgentTarball } from "../support/agentTarball.js";
import { buildTestImage, canBuildTestImage, docker, dockerInspect, dockerIsRunning, outputOf, removeDockerObjectsOf, waitForAgentReady as waitForDockerAgent } from "../support/dockerTest.js";
import { JobWatcher } from "../support/jobWatcher.js";
import { requirePrerequisite } from "../support/prerequisites.js";
import { createTestTemplate, pushTemplateVersion } from "../support/templates.js";
import { createTestServer, type TestServer } from "../support/testServer.js";
import { WorkspaceTestApi } from "../support/workspaces.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

let server: TestServer;
let jobs: JobWatcher;
let api: WorkspaceTestApi;
let owner: TestUser;
let alice: TestUser;
let template: Template;
let image: string;
let agentDir: string;
const workspaceIds: string[] = [];

type InspectedContainer = { Config: { Labels: Record<string, string> }; HostConfig: { NanoCpus: number; Memory: number; NetworkMode: string; Init: boolean } };

const container = (ws: Workspace) => outputOf(ws, "dev");
const volume = (ws: Workspace) => outputOf(ws, "home");
const waitForAgentReady = (token: string, id: string) => waitForDockerAgent(api, token, id);

/** Runs `command` in the workspace through the server's SSH relay (WebSocket → agent tunnel → the agent's SSH server). */
async function sshExec(token: string, ws: Workspace, command: string, pty = false): Promise<{ code: number; output: string }> {
  const agentId = ws.agents[0]!.id;
  const address = server.app.server.address() as { port: number };
  const socket = new WebSocket(`ws://127.0.0.1:${address.port}/api/v2/workspaceagents/${agentId}/ssh`, { headers: { "Den-Session-Token": token }, perMessageDeflate: false });
  let closed = "";
  socket.on("close", (code, reason) => (closed = `the relay closed with ${code} ${reason.toString()}`));
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const client = new ssh2.Client();
  try {
    await new Promise<void>((resolve, reject) => {
      client.once("ready", resolve).once("error", (err) => reject(closed ? new Error(closed, { cause: err }) : err));
      client.connect({ sock: webSocketDuplex(socket), username: "root" });
    });
    return await new Promise((resolve, reject) =>
      client.exec(command, { pty }, (err, channel) => {
        if (err) return reject(err);
        let output = "";
        channel.on("data", (c: Buffer) => (output += c.toString()));
        channel.stderr.on("data", (c: Buffer) => (output += c.toString()));
        channel.on("exit", (code: number) => channel.once("close", () => resolve({ code, output })));
      }),
    );
  } finally {
    client.end();
    socket.close();
  }
}

const haveDocker = requirePrerequisite("docker engine and debootstrap", dockerIsRunning() && canBuildTestImage(), "run scripts/install-test-deps.sh to install them and start dockerd");

describe.runIf(haveDocker)(`the docker driver against a real engine${haveDocker ? "" : " (skipped: no Docker engine or no debootstrap; run scripts/install-test-deps.sh)"}`, () => {
  beforeAll(async () => {
    [image, agentDir] = await Promise.all([buildTestImage(), buildAgentTarball()]);
    server = await createTestServer({ config: { agentDir, dockerHost: process.env.DOCKER_HOST ?? "" } });
    await server.app.listen({ host: "127.0.0.1", port: 0 });
    const address = server.app.server.address();
    if (!address || typeof address === "string") throw new Error("no address");
    // Containers use the host network here, so the server's loopback address reaches them.
    server.setAccessUrl(`http://127.0.0.1:${address.port}`);
    jobs = await JobWatcher.start(server);
    api = new WorkspaceTestApi(server, jobs);
    owner = await createFirstOwner(server.app);
    alice = await createTestUser(server.app, owner, "alice");
    const example = join(root, "examples", "docker");
    template = await createTestTemplate(server, jobs, owner.token, "docker", {
      "den.yaml": readFileSync(join(example, "den.yaml"), "utf8"),
      "README.md": readFileSync(join(example, "README.md"), "utf8"),
    });
  }, 600_000);

  afterAll(async () => {
    removeDockerObjectsOf(workspaceIds);
    await jobs?.close();
    await server?.stop();
    if (agentDir) rmSync(agentDir, { recursive: true, force: true });
  });

  it("create → agent ready → stop (container gone, home kept) → start (home kept, /tmp new) → delete (volume gone)", async () => {
    const created = await api.createAndSettle(alice.token, { name: "box", template_id: template.id, rich_parameter_values: [{ name: "image", value: image }] });
    workspaceIds.push(created.id);
    expect(created.status, created.latest_build.job.error ?? "").toBe("running");
    await waitForAgentReady(alice.token, created.id);
    const first = container(created);
    const home = volume(created);

    const inspected = dockerInspect<InspectedContainer>("container", first)!;
    expect(inspected.Config.Labels).toMatchObject({ "den.managed": "true", "den.workspace_id": created.id, "den.build_id": created.latest_build.id, "den.resource": "dev" });
    expect(inspected.HostConfig).toMatchObject({ NanoCpus: 1e9, Memory: 2 * 1024 ** 3, NetworkMode: "host", Init: true });
    expect(dockerInspect<{ Labels: Record<string, string> }>("volume", home)!.Labels).toMatchObject({ "den.managed": "true", "den.workspace_id": created.id, "den.resource": "home" });
    // The start script seeded the home once.
    expect(docker("exec", first, "cat", "/home/alice/README")).toContain("Welcome to box");

    // Through the SSH relay, as `den ssh` would.
    const wrote = await sshExec(alice.token, await api.get(alice.token, created.id), "echo kept > ~/keep && echo gone > /tmp/gone && echo $HOME");
    expect(wrote).toEqual({ code: 0, output: "/home/alice\n" });
    // A session with a terminal: node-pty's native addon shipped in the agent tarball works in the image.
    expect((await sshExec(alice.token, await api.get(alice.token, created.id), "tty", true)).output).toMatch(/^\/dev\/pts\/\d+/);
    const stopped = await api.settle(alice.token, await api.build(alice.token, created.id, { transition: "stop" }));
    expect(stopped.status, stopped.latest_build.job.error ?? "").toBe("stopped");
    expect(dockerInspect("container", first)).toBeUndefined();
    expect(dockerInspect("volume", home)).toBeDefined();

    const restarted = await api.settle(alice.token, await api.build(alice.token, created.id, { transition: "start" }));
    expect(restarted.status, restarted.latest_build.job.error ?? "").toBe("running");
    await waitForAgentReady(alice.token, created.id);
    const second = container(restarted);
    expect(second).toBe(first);
    expect(dockerInspect<InspectedContainer>("container", second)!.Config.Labels["den.build_id"]).toBe(restarted.latest_build.id);
    expect(restarted.latest_build.id).not.toBe(created.latest_build.id);
    // The agent got SIGTERM on stop and ran its stop script before the container went.
    expect(docker("exec", second, "cat", "/home/alice/.den-last-stop")).toMatch(/^stopped /);
    expect(docker("exec", second, "cat", "/home/alice/keep")).toBe("kept");
    expect(docker("exec", second, "sh", "-c", "test -e /tmp/gone && echo present || echo absent")).toBe("absent");

    const deleted = await api.settle(alice.token, await api.build(alice.token, created.id, { transition: "delete" }));
    expect(deleted.status, deleted.latest_build.job.error ?? "").toBe("deleted");
    expect(dockerInspect("container", second)).toBeUndefined();
    expect(dockerInspect("volume", home)).toBeUndefined();
  }, 300_000);

  it("fails the build clearly when the engine is unreachable, and recovers when it is back", async () => {
    const saved = server.config.dockerHost;
    server.config.dockerHost = "unix:///tmp/den-test-no-docker.sock";
    let ws: Workspace;
    try {
      ws = await api.createAndSettle(alice.token, { name: "down", template_id: template.id, rich_parameter_values: [{ name: "image", value: image }] });
      workspaceIds.push(ws.id);
    } finally {
      server.config.dockerHost = saved;
    }
    expect(ws.status).toBe("failed");
    expect(ws.latest_build.job.error).toContain("cannot reach the Docker engine at unix:///tmp/den-test-no-docker.sock");
    expect(ws.latest_build.job.error).toContain("Is dockerd running?");

    const repaired = await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "start" }));
    expect(repaired.status, repaired.latest_build.job.error ?? "").toBe("running");
    await waitForAgentReady(alice.token, ws.id);
    const deleted = await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "delete" }));
    expect(deleted.status).toBe("deleted");
  }, 300_000);

  it("refuses bad docker settings at template import, naming the resource and field", async () => {
    const yaml = `
name: bad
resources:
  home: {driver: docker, kind: volume, size: 10}
  dev: {driver: docker, kind: container, image: debian, cpus: 0, mounts: [{target: /x}]}
  img: {driver: docker, kind: image, dockerfile: Dockerfile}
`;
    const err = await pushTemplateVersion(server, jobs, owner.token, { "den.yaml": yaml }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(err).toContain("cpus");
    expect(err).toContain("mounts.0");
    expect(err).toContain('unknown setting "size"');
    expect(err).toContain('resources.img.dockerfile: unknown setting "dockerfile"; a docker image takes name, build');
  });

  it("fails the build clearly for a missing image and leaves no container behind", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "noimage", template_id: template.id, rich_parameter_values: [{ name: "image", value: "den-test-missing:nope" }] });
    workspaceIds.push(ws.id);
    expect(ws.status).toBe("failed");
    expect(ws.latest_build.job.error).toContain("den-test-missing:nope is not on the Docker host and pulling it failed");
    expect(docker("ps", "-aq", "--filter", `label=den.workspace_id=${ws.id}`)).toBe("");
    await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "delete" }));
    expect(docker("volume", "ls", "-q", "--filter", `label=den.workspace_id=${ws.id}`)).toBe("");
  }, 120_000);

  it("reconciles: removes labelled objects of deleted workspaces, never unlabelled ones nor those of unknown workspaces", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "gone", template_id: template.id, rich_parameter_values: [{ name: "image", value: "den-test-missing:nope" }] });
    workspaceIds.push(ws.id);
    expect((await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "delete" }))).status).toBe("deleted");
    const gone = ws.id;
    // Another Den server sharing the engine may own this one.
    const unknown = randomUUID();
    const suffix = randomUUID().slice(0, 8);
    const labels = ["--label", "den.managed=true", "--label", `den.workspace_id=${gone}`, "--label", "den.resource=dev"];
    docker("volume", "create", ...labels, `den-orphan-${suffix}`);
    docker("network", "create", ...labels, `den-orphan-${suffix}`);
    docker("create", "--init", ...labels, "--name", `den-orphan-${suffix}`, image, "sleep", "infinity");
    docker("create", "--init", "--name", `not-den-${suffix}`, image, "sleep", "infinity");
    docker("volume", "create", "--label", "den.managed=true", "--label", `den.workspace_id=${unknown}`, `den-other-${suffix}`);
    docker("network", "create", "--label", "den.managed=true", "--label", `den.workspace_id=${unknown}`, `den-other-${suffix}`);
    docker("volume", "create", `not-den-${suffix}`);
    try {
      const registry = createDriverRegistry({ dataDir: "/nonexistent/den", docker: { host: server.config.dockerHost } });
      const removed = await registry.reconcile((ids) => listDeletedWorkspaceIds(server.database.db, ids));
      expect(removed.docker).toEqual(expect.arrayContaining([`container den-orphan-${suffix}`, `volume den-orphan-${suffix}`, `network den-orphan-${suffix}`]));
      expect(dockerInspect("container", `den-orphan-${suffix}`)).toBeUndefined();
      expect(dockerInspect("volume", `den-orphan-${suffix}`)).toBeUndefined();
      expect(dockerInspect("network", `den-orphan-${suffix}`)).toBeUndefined();
      expect(dockerInspect("container", `not-den-${suffix}`)).toBeDefined();
      expect(dockerInspect("volume", `not-den-${suffix}`)).toBeDefined();
      expect(dockerInspect("volume", `den-other-${suffix}`)).toBeDefined();
      expect(dockerInspect("network", `den-other-${suffix}`)).toBeDefined();
    } finally {
      docker("volume", "rm", "-f", `den-other-${suffix}`);
      docker("network", "rm", `den-other-${suffix}`);
      docker("rm", "-f", `not-den-${suffix}`);
      docker("volume", "rm", "-f", `not-den-${suffix}`);
    }
  }, 60_000);
});
