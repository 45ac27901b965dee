import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResourceState } from "../../src/drivers/driver.js";
import { createDockerDriver } from "../../src/drivers/docker/dockerDriver.js";
import { buildTestImage, canBuildTestImage, docker, dockerIsRunning, driverBuildContext, removeDockerObjectsOf } from "../support/dockerTest.js";
import { requirePrerequisite } from "../support/prerequisites.js";

const buildContext = driverBuildContext;

const haveDocker = requirePrerequisite("docker engine and debootstrap", dockerIsRunning() && canBuildTestImage(), "run scripts/install-test-deps.sh to install them and start dockerd");

describe.runIf(haveDocker)(`docker driver errors${haveDocker ? "" : " (skipped: no Docker engine or no debootstrap; run scripts/install-test-deps.sh)"}`, () => {
  // The same engine as the docker CLI the test also uses.
  const host = process.env.DOCKER_HOST;
  const driver = createDockerDriver({ host, allowedHostPaths: ["/srv/den-allowed"] });
  const workspaceId = randomUUID();
  let image: string;
  let homeVolume: string;

  beforeAll(async () => {
    image = await buildTestImage();
    const state = await driver.create(buildContext(workspaceId), { name: "home", kind: "volume", lifetime: "persistent", settings: {} });
    homeVolume = String(state.outputs.name);
  }, 600_000);

  afterAll(() => removeDockerObjectsOf([workspaceId]));

  const create = (settings: Record<string, unknown>, name = "dev") =>
    driver.create(buildContext(workspaceId), { name, kind: "container", lifetime: "ephemeral", settings: { image, command: ["sleep", "infinity"], ...settings } });
  const leftovers = () => docker("ps", "-aq", "--filter", `label=den.workspace_id=${workspaceId}`, "--filter", "label=den.resource=dev");

  it("refuses a missing volume or a host path that is not allowed, naming the mount", async () => {
    await expect(create({ mounts: [{ volume: "den-no-such-volume", target: "/data" }] })).rejects.toThrow("mounts.0.volume: there is no Docker volume named den-no-such-volume");
    await expect(create({ mounts: [{ volume: homeVolume, target: "/home/t" }, { host_path: "/etc", target: "/host-etc" }] })).rejects.toThrow(
      "mounts.1.host_path: /etc is not a host folder this server allows (allowed: /srv/den-allowed)",
    );
    await expect(create({ mounts: [{ host_path: "/srv/den-allowed/../../etc", target: "/x" }] })).rejects.toThrow("is not a host folder this server allows");
    expect(docker("volume", "ls", "-q", "--filter", "name=den-no-such-volume")).toBe("");
    expect(leftovers()).toBe("");
  });

  it("refuses limits beyond the host's and a bind source missing on the host, leaving nothing behind", async () => {
    await expect(create({ cpus: 1000 })).rejects.toThrow(/cpus: 1000 is more than the Docker host has \(\d+\)/);
    await expect(create({ memory: "100000g" })).rejects.toThrow("memory: 100000.0 GiB is more than the Docker host has");
    const allowAll = createDockerDriver({ host, allowedHostPaths: ["/"] });
    const ctx = buildContext(workspaceId);
    await expect(
      allowAll.create(ctx, { name: "dev", kind: "container", lifetime: "ephemeral", settings: { image, command: ["sleep", "infinity"], mounts: [{ host_path: `/nonexistent-${randomUUID()}`, target: "/x" }] } }),
    ).rejects.toThrow(/create container .*bind source path does not exist.*check the mounts/);
    // The engine refused it before it existed: nothing to record.
    expect(ctx.recorded).toHaveLength(0);
    expect(leftovers()).toBe("");
  });

  it("explains a container that exits at once, with its output, and removes it", async () => {
    // A long window, so that a slow machine cannot turn this into a pass by a late exit; the exit ends the wait.
    const patient = createDockerDriver({ host, startWindowMs: 60_000 });
    const settings = { image, command: ["sh", "-c", "echo broken config >&2; exit 3"] };
    await expect(patient.create(buildContext(workspaceId), { name: "dev", kind: "container", lifetime: "ephemeral", settings })).rejects.toThrow(/exited at once with code 3.*\n.*broken config/);
    expect(leftovers()).toBe("");
  });

  it("refuses a name that belongs to a container that is not Den's, and takes over its own leftover", async () => {
    const name = `den-clash-${randomUUID().slice(0, 8)}`;
    docker("create", "--name", name, image, "true");
    try {
      await expect(create({ name })).rejects.toThrow(`name: a container named ${name} already exists and is not this workspace's (it is not Den's)`);
    } finally {
      docker("rm", "-f", name);
    }
    const first = await create({});
    // A crashed build left it (never destroyed): the next create replaces it instead of clashing.
    const second = await create({});
    expect(second.outputs.name).toBe(first.outputs.name);
    expect(second.outputs.id).not.toBe(first.outputs.id);
    await driver.destroy(buildContext(workspaceId, "stop"), second);
    expect(await driver.exists(second)).toBe(false);
    // Destroy is idempotent.
    await driver.destroy(buildContext(workspaceId, "stop"), second);
  });

  it("talks to an engine at a tcp:// host, and names a dead one", async () => {
    // dockerd listens on its unix socket only here: a plain TCP relay to it stands in for `dockerd -H tcp://…`.
    const open = new Set<Socket>();
    const relay: Server = createServer((client) => {
      const engine = connect("/var/run/docker.sock");
      open.add(client).add(engine);
      client.pipe(engine).pipe(client);
      client.on("error", () => engine.destroy());
      engine.on("error", () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    try {
      const port = (relay.address() as AddressInfo).port;
      const overTcp = createDockerDriver({ host: `tcp://127.0.0.1:${port}` });
      const state = await overTcp.create(buildContext(workspaceId), { name: "scratch", kind: "volume", lifetime: "persistent", settings: {} });
      expect(await overTcp.exists(state)).toBe(true);
      await overTcp.destroy(buildContext(workspaceId, "delete"), state);
      expect(await overTcp.exists(state)).toBe(false);
    } finally {
      // Keep-alive connections would hold close() open for seconds.
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    }
    const dead = createDockerDriver({ host: "tcp://127.0.0.1:1" });
    await expect(dead.create(buildContext(workspaceId), { name: "scratch", kind: "volume", lifetime: "persistent", settings: {} })).rejects.toThrow(
      "cannot reach the Docker engine at tcp://127.0.0.1:1: connection refused",
    );
    await expect(async () => createDockerDriver({ host: "npipe:////./pipe/docker_engine" }).exists({ name: "x", driver: "docker", kind: "volume", lifetime: "persistent", outputs: {}, data: { name: "x" } })).rejects.toThrow(
      "must be unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port]",
    );
  });

  it("talks to a tcp:// engine over mutual TLS with a cert path, as docker --tlsverify", async () => {
    const dir = mkdtempSync(join(tmpdir(), "den-docker-tls-"));
    // A CA, a server certificate for 127.0.0.1 and a client certificate, named as Docker names them.
    const script = `set -e; cd "$1"
      k() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1" -out "$2" -subj "/CN=$3" 2>/dev/null; }
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca-key.pem -out ca.pem -days 1 -subj /CN=den-test-ca 2>/dev/null
      k server-key.pem server.csr 127.0.0.1; printf 'subjectAltName=IP:127.0.0.1\n' > server.ext
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server-cert.pem -days 1 -extfile server.ext 2>/dev/null
      k key.pem client.csr client; printf 'extendedKeyUsage=clientAuth\n' > client.ext
      openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out cert.pem -days 1 -extfile client.ext 2>/dev/null`;
    execFileSync("sh", ["-c", script, "sh", dir]);
    const open = new Set<Socket>();
    const relay = createTlsServer({ ca: readFileSync(join(dir, "ca.pem")), cert: readFileSync(join(dir, "server-cert.pem")), key: readFileSync(join(dir, "server-key.pem")), requestCert: true, rejectUnauthorized: true }, (client) => {
      const engine = connect("/var/run/docker.sock");
      open.add(client).add(engine);
      client.pipe(engine).pipe(client);
      client.on("error", () => engine.destroy());
      engine.on("error", () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    try {
      const tcpHost = `tcp://127.0.0.1:${(relay.address() as AddressInfo).port}`;
      const overTls = createDockerDriver({ host: tcpHost, certPath: dir });
      const state = await overTls.create(buildContext(workspaceId), { name: "tls", kind: "volume", lifetime: "persistent", settings: {} });
      await overTls.destroy(buildContext(workspaceId, "delete"), state);
      expect(await overTls.exists(state)).toBe(false);
      // Without the client certificate the engine is not reachable, and the error says where.
      await expect(createDockerDriver({ host: tcpHost }).exists(state)).rejects.toThrow(`cannot reach the Docker engine at ${tcpHost}`);
      await expect(async () => createDockerDriver({ host: tcpHost, certPath: join(dir, "missing") }).exists(state)).rejects.toThrow("the cert path must hold ca.pem, cert.pem and key.pem");
    } finally {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a volume name held by another workspace, and deletes its own volume", async () => {
    await expect(driver.create(buildContext(randomUUID()), { name: "home", kind: "volume", lifetime: "persistent", settings: { name: homeVolume } })).rejects.toThrow(
      `a Docker volume named ${homeVolume} already exists and is not this workspace's (it belongs to another Den workspace)`,
    );
    const again = await driver.create(buildContext(workspaceId), { name: "home", kind: "volume", lifetime: "persistent", settings: {} });
    expect(again.outputs.name).toBe(homeVolume);
    await driver.destroy(buildContext(workspaceId, "delete"), again);
    expect(await driver.exists(again)).toBe(false);
  });
});
