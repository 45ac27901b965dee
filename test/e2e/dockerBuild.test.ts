import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDriverRegistry, type DriverRegistry } from "../../src/drivers/registry.js";
import { HttpJobSource } from "../../src/provisioner/httpJobSource.js";
import { ProvisionerDaemon } from "../../src/provisioner/provisionerDaemon.js";
import type { Template } from "../../src/sdk/schemas/templateApi.js";
import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import { createFirstOwner, type TestUser } from "../../src/server/users/testUsers.js";
import { buildTestImage, canBuildTestImage, docker, dockerInspect, dockerIsRunning, outputOf, removeDockerObjectsOf } from "../support/dockerTest.js";
import { JobWatcher } from "../support/jobWatcher.js";
import { requirePrerequisite } from "../support/prerequisites.js";
import { createTestTemplate, pushTemplateVersion } from "../support/templates.js";
import { createTestServer, type TestServer } from "../support/testServer.js";
import { WorkspaceTestApi } from "../support/workspaces.js";

const PSK = "docker-build-test-key";

/** An image built from the template folder, a network, and a container of that image on it; no agent, so that the test is about the build. */
const TEMPLATE = `
name: built
parameters:
  - {name: base, type: string, default: none}
resources:
  img:
    driver: docker
    kind: image
    build:
      context: image
      args: {BASE: "\${{ params.base }}"}
  net:
    driver: docker
    kind: network
  dev:
    driver: docker
    kind: container
    image: "\${{ resources.img.name }}"
    command: ["sleep", "infinity"]
    network_mode: "\${{ resources.net.name }}"
    grace_seconds: 0
`;

type InspectedImage = { Id: string; Config: { Labels: Record<string, string> } };
type InspectedContainer = { Image: string; Config: { Image: string }; HostConfig: { NetworkMode: string } };

const haveDocker = requirePrerequisite("docker engine and debootstrap", dockerIsRunning() && canBuildTestImage(), "run scripts/install-test-deps.sh to install them and start dockerd");

/**
 * Docker images built from a Dockerfile in the template folder, through the
 * whole path: the server runs no provisioner of its own, and a daemon takes
 * the jobs over the HTTP API (as `den provisioner start` does), so the
 * template's files reach the driver through the archive route.
 */
describe.runIf(haveDocker)(`docker images built from the template${haveDocker ? "" : " (skipped: no Docker engine or no debootstrap; run scripts/install-test-deps.sh)"}`, () => {
  let server: TestServer;
  let jobs: JobWatcher;
  let api: WorkspaceTestApi;
  let owner: TestUser;
  let daemon: ProvisionerDaemon;
  let source: HttpJobSource;
  let drivers: DriverRegistry;
  let image: string;
  let dataDir: string;
  // Unique in each run, so that no image left by an earlier run is taken for this one's.
  const nonce = randomUUID();
  const workspaceIds: string[] = [];
  const builtImages = new Set<string>();

  beforeAll(async () => {
    image = await buildTestImage();
    server = await createTestServer({ config: { provisionerDaemons: 0, provisionerPsk: PSK, dockerHost: process.env.DOCKER_HOST ?? "" } });
    const url = await server.app.listen({ host: "127.0.0.1", port: 0 });
    server.setAccessUrl(url);
    jobs = await JobWatcher.start(server);
    api = new WorkspaceTestApi(server, jobs);
    owner = await createFirstOwner(server.app);
    dataDir = mkdtempSync(join(tmpdir(), "den-build-test-"));
    drivers = createDriverRegistry({ dataDir, docker: { host: process.env.DOCKER_HOST, agentUrl: () => url } });
    source = new HttpJobSource(url, PSK);
    daemon = new ProvisionerDaemon({ id: "docker-build-test", source, drivers, log: pino({ level: "silent" }) });
    daemon.start();
  }, 600_000);

  afterAll(async () => {
    removeDockerObjectsOf(workspaceIds);
    for (const tag of builtImages) docker("rmi", "-f", tag);
    await daemon?.stop();
    source?.close();
    drivers?.close();
    await jobs?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const logsOf = async (ws: Workspace) => (await api.ok<Array<{ output: string }>>(owner.token, "GET", `/workspacebuilds/${ws.latest_build.id}/logs`)).map((l) => l.output);
  const createWorkspace = async (name: string, template: Template) => {
    const ws = await api.createAndSettle(owner.token, { name, template_id: template.id, rich_parameter_values: [{ name: "base", value: image }] });
    workspaceIds.push(ws.id);
    return ws;
  };

  it("builds the image from the template folder once, runs the container from it, and keeps it across stop and start", async () => {
    const template = await createTestTemplate(server, jobs, owner.token, "built", {
      "den.yaml": TEMPLATE,
      "image/Dockerfile": `ARG BASE\nFROM \${BASE}\nCOPY greeting.txt /etc/greeting\nRUN echo "built ${nonce}" > /built\n`,
      "image/greeting.txt": "hello from the template folder\n",
    });
    const created = await createWorkspace("box", template);
    expect(created.status, created.latest_build.job.error ?? "").toBe("running");
    const tag = outputOf(created, "img");
    builtImages.add(tag);
    expect(tag).toMatch(/^den-img:[0-9a-f]{12}$/);
    const log = await logsOf(created);
    // Docker's own output is in the build log, line by line.
    expect(log).toEqual(expect.arrayContaining([expect.stringMatching(/^Step 1\/\d+ : ARG BASE$/), expect.stringMatching(/^Step 2\/\d+ : FROM \$\{BASE\}$/), expect.stringMatching(/^Successfully tagged den-img:/)]));
    expect(log).toContain(`Built the image ${tag} (${dockerInspect<InspectedImage>("image", tag)!.Id.slice(7, 19)})`);
    expect(dockerInspect<InspectedImage>("image", tag)!.Config.Labels).toMatchObject({ "den.managed": "true", "den.resource": "img", "den.workspace_id": created.id });

    const box = outputOf(created, "dev");
    const net = outputOf(created, "net");
    expect(dockerInspect<InspectedContainer>("container", box)).toMatchObject({ Config: { Image: tag }, HostConfig: { NetworkMode: net } });
    expect(docker("exec", box, "cat", "/built", "/etc/greeting")).toBe(`built ${nonce}\nhello from the template folder`);

    const stopped = await api.settle(owner.token, await api.build(owner.token, created.id, { transition: "stop" }));
    expect(stopped.status, stopped.latest_build.job.error ?? "").toBe("stopped");
    expect(dockerInspect("container", box)).toBeUndefined();
    // The network is ephemeral by default: it goes with the container.
    expect(dockerInspect("network", net)).toBeUndefined();
    expect(dockerInspect("image", tag)).toBeDefined();

    const restarted = await api.settle(owner.token, await api.build(owner.token, created.id, { transition: "start" }));
    expect(restarted.status, restarted.latest_build.job.error ?? "").toBe("running");
    expect(outputOf(restarted, "img")).toBe(tag);
    expect(dockerInspect("network", outputOf(restarted, "net"))).toBeDefined();
    const restartLog = await logsOf(restarted);
    expect(restartLog.some((l) => l.startsWith("Step "))).toBe(false);

    // A second workspace of the same template and parameters uses the image as it is.
    const twin = await createWorkspace("twin", template);
    expect(twin.status, twin.latest_build.job.error ?? "").toBe("running");
    expect(outputOf(twin, "img")).toBe(tag);
    expect(await logsOf(twin)).toContain(`The image ${tag} is already built from these files; using it as it is`);
    expect(docker("exec", outputOf(twin, "dev"), "cat", "/built")).toBe(`built ${nonce}`);

    for (const ws of [restarted, twin]) {
      const deleted = await api.settle(owner.token, await api.build(owner.token, ws.id, { transition: "delete" }));
      expect(deleted.status, deleted.latest_build.job.error ?? "").toBe("deleted");
      expect(dockerInspect("container", outputOf(ws, "dev"))).toBeUndefined();
      expect(dockerInspect("network", outputOf(ws, "net"))).toBeUndefined();
    }
    // A built image is a cache of the template, not of one workspace.
    expect(dockerInspect("image", tag)).toBeDefined();
  }, 240_000);

  it("fails the build with the Dockerfile's error line, and leaves no container behind", async () => {
    const template = await createTestTemplate(server, jobs, owner.token, "broken", {
      "den.yaml": TEMPLATE,
      "image/Dockerfile": `ARG BASE\nFROM \${BASE}\nRUN echo "checking ${nonce}" && test -e /nonexistent\n`,
    });
    const ws = await createWorkspace("broken", template);
    expect(ws.status).toBe("failed");
    const error = ws.latest_build.job.error ?? "";
    expect(error).toMatch(/^resource img: build: building den-img:[0-9a-f]{12} failed at "Step 3\/\d+ : RUN echo "checking [^"]+" && test -e \/nonexistent": The command '\/bin\/sh -c echo "checking [^"]+" && test -e \/nonexistent' returned a non-zero code: 1$/);
    expect(await logsOf(ws)).toContain(`checking ${nonce}`);
    expect(docker("ps", "-aq", "--filter", `label=den.workspace_id=${ws.id}`)).toBe("");
  }, 120_000);

  it("refuses at import a build whose Dockerfile is not in the template folder, with the line of the setting", async () => {
    const err = await pushTemplateVersion(server, jobs, owner.token, { "den.yaml": TEMPLATE, "Dockerfile": "FROM scratch\n" }).then(
      () => "imported",
      (e: Error) => e.message,
    );
    expect(err).toMatch(/den\.yaml:\d+:\d+: resources\.img\.build\.dockerfile: there is no file image\/Dockerfile in the template folder \(the default is Dockerfile in the build context\)/);
  });
});
