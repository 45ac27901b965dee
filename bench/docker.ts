// `npx tsx bench/docker.ts`: create → agent ready of docker workspaces
// (examples/docker, on the test image) against the same image and the same
// agent started by a bare `docker run`, in one run (TARGETS.md: ≤ 1.3×); and
// stop → start. Needs a running dockerd. Prints figures; asserts nothing.
// Record results in bench/README.md.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packTemplateFolder } from "../src/cli/templateArchive.js";
import { DockerEngine } from "../src/drivers/docker/DockerEngine.js";
import { buildAgentTarball } from "../test/support/agentTarball.js";
import { buildTestImage, removeDockerObjectsOf } from "../test/support/dockerTest.js";
import { startDenServer, type DenServerProcess } from "../test/support/startDenServer.js";

const WORKSPACES = 10;
const root = join(import.meta.dirname, "..");
const print = (line: string) => process.stdout.write(line + "\n");
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const fmt = (xs: number[]) => `p50 ${p50(xs).toFixed(2)} s (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`;

type Workspace = { id: string; status: string; latest_build: { job: { status: string; error: string | null } }; agents: Array<{ status: string; lifecycle_state: string }> };

class Api {
  constructor(
    private readonly base: string,
    private token = "",
  ) {}
  async call<T>(method: string, path: string, body?: unknown, type = "application/json"): Promise<T> {
    const res = await fetch(`${this.base}/api/v2${path}`, {
      method,
      headers: { "content-type": type, ...(this.token ? { "den-session-token": this.token } : {}) },
      body: body === undefined ? undefined : type === "application/json" ? JSON.stringify(body) : new Uint8Array(body as Buffer),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
  async login(): Promise<void> {
    const account = { username: "bench", email: "bench@example.com", password: "bench-password-1" };
    await this.call("POST", "/users/first", account);
    this.token = (await this.call<{ session_token: string }>("POST", "/users/login", { email: account.email, password: account.password })).session_token;
  }
  /** No event to wait on from outside: poll the workspace until `done` holds (50 ms steps, 120 s limit). */
  async waitFor(id: string, done: (ws: Workspace) => boolean): Promise<Workspace> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const ws = await this.call<Workspace>("GET", `/workspaces/${id}`);
      if (done(ws)) return ws;
      if (ws.latest_build.job.status === "failed") throw new Error(`build failed: ${ws.latest_build.job.error}`);
      if (Date.now() > deadline) throw new Error(`workspace ${id} still ${ws.status} ${JSON.stringify(ws.agents)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const ready = (ws: Workspace) => ws.agents[0]?.lifecycle_state === "ready";
const connected = (ws: Workspace) => ws.agents[0]?.status === "connected";

/** The baseline: the same image, the same agent through the same init script, by `docker run`, until the agent reaches the server. */
function bareDockerRun(image: string, url: string, name: string): Promise<number> {
  const started = performance.now();
  const script = `curl -fsSL '${url}/api/v2/workspaceagents/init-script?os=linux&arch=amd64' | sh`;
  const child = spawn("docker", ["run", "--rm", "--init", "--network", "host", "--name", name, "-e", `DEN_AGENT_URL=${url}`, "-e", "DEN_AGENT_TOKEN=bench-baseline", image, "sh", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      if (err.includes("connected to the server")) {
        resolve((performance.now() - started) / 1000);
        execFileSync("docker", ["rm", "-f", name], { stdio: "ignore" });
      }
    });
    child.once("exit", (code) => reject(new Error(`docker run exited ${code}: ${err}`)));
  });
}

/**
 * A second baseline without the CLI's cost: the same container created and
 * started through the Engine API, until the agent's log says it reached the
 * server (the log is polled every 50 ms: the engine has no event for it).
 */
async function bareEngineApi(image: string, url: string, name: string): Promise<number> {
  const engine = new DockerEngine();
  const started = performance.now();
  const script = `curl -fsSL '${url}/api/v2/workspaceagents/init-script?os=linux&arch=amd64' | sh`;
  const body = { Image: image, Cmd: ["sh", "-c", script], Env: [`DEN_AGENT_URL=${url}`, "DEN_AGENT_TOKEN=bench-baseline"], HostConfig: { Init: true, NetworkMode: "host" } };
  const { Id: id } = (await engine.call("create", "POST", "/containers/create", { query: { name }, body })).body as { Id: string };
  try {
    await engine.call("start", "POST", `/containers/${id}/start`);
    for (;;) {
      const logs = await engine.call("logs", "GET", `/containers/${id}/logs`, { query: { stderr: 1, stdout: 1 } });
      if (logs.text.includes("connected to the server")) return (performance.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await engine.request("DELETE", `/containers/${id}`, { query: { force: true } });
  }
}

/** Polls a container's output (every 20 ms: the engine has no event for a log line) until it holds `text`. */
async function waitForLog(container: string, text: string): Promise<void> {
  const engine = new DockerEngine();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const logs = await engine.request("GET", `/containers/${container}/logs`, { query: { stderr: 1, stdout: 1 } });
    if (logs.status === 200 && logs.text.includes(text)) return;
    if (Date.now() > deadline) throw new Error(`${container} did not log ${JSON.stringify(text)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });
  const [image, agentDir] = await Promise.all([buildTestImage(), buildAgentTarball()]);
  const dataDir = mkdtempSync(join(tmpdir(), "den-bench-docker-"));
  let server: DenServerProcess | undefined;
  const ids: string[] = [];
  try {
    server = await startDenServer(["--data-dir", dataDir, "--http-address", "127.0.0.1:0", "--prometheus-address", "", "--log-level", "warn", "--api-rate-limit", "0", "--agent-dir", agentDir]);
    const api = new Api(server.url);
    await api.login();
    const { archive } = await packTemplateFolder(join(root, "examples", "docker"));
    const file = await api.call<{ id: string }>("POST", "/files", archive, "application/x-tar");
    const version = await api.call<{ id: string; job: { status: string } }>("POST", "/organizations/default/templateversions", { file_id: file.id });
    for (let v = version; v.job.status !== "succeeded"; v = await api.call("GET", `/templateversions/${version.id}`)) {
      if (v.job.status === "failed") throw new Error("template import failed");
      await new Promise((r) => setTimeout(r, 100));
    }
    const template = await api.call<{ id: string }>("POST", "/organizations/default/templates", { name: "docker", version_id: version.id });

    // Interleaved, so that a change in the machine's load (other jobs share these cores) hits all three alike.
    const baseline: number[] = [];
    const apiBaseline: number[] = [];
    const toLogged: number[] = [];
    const toConnected: number[] = [];
    const toReady: number[] = [];
    for (let i = 0; i < WORKSPACES; i++) {
      baseline.push(await bareDockerRun(image, server.url, `den-bench-baseline-${i}`));
      apiBaseline.push(await bareEngineApi(image, server.url, `den-bench-api-baseline-${i}`));
      const started = performance.now();
      // cpus = the host's 2 cores: the baselines run without a CPU limit, and the agent's unpacking (tar | gzip) uses two.
      const params = [{ name: "image", value: image }, { name: "cpus", value: "2" }];
      const ws = await api.call<Workspace>("POST", "/users/me/workspaces", { name: `bench-${i}`, template_id: template.id, rich_parameter_values: params });
      ids.push(ws.id);
      // The same event as the baselines time: the agent's own log line (the API's status comes later, once the server has registered the connection).
      await waitForLog(`den-bench-bench-${i}-dev`, "connected to the server");
      toLogged.push((performance.now() - started) / 1000);
      await api.waitFor(ws.id, connected);
      toConnected.push((performance.now() - started) / 1000);
      await api.waitFor(ws.id, ready);
      toReady.push((performance.now() - started) / 1000);
    }

    const stopToStart: number[] = [];
    for (const id of ids) {
      await api.call("POST", `/workspaces/${id}/builds`, { transition: "stop" });
      await api.waitFor(id, (ws) => ws.status === "stopped");
      const started = performance.now();
      await api.call("POST", `/workspaces/${id}/builds`, { transition: "start" });
      await api.waitFor(id, ready);
      stopToStart.push((performance.now() - started) / 1000);
    }

    print(`bare docker run → agent connected (${WORKSPACES}x):     ${fmt(baseline)}`);
    print(`bare Engine API create+start → agent connected:  ${fmt(apiBaseline)}`);
    const ratios = (xs: number[]) => `ratio ${(p50(xs) / p50(baseline)).toFixed(2)}x vs docker run, ${(p50(xs) / p50(apiBaseline)).toFixed(2)}x vs Engine API`;
    print(`den create → agent connected (agent's log):    ${fmt(toLogged)}   ${ratios(toLogged)}`);
    print(`den create → agent status connected (API):      ${fmt(toConnected)}   ${ratios(toConnected)}`);
    print(`den create → agent ready (start scripts done):  ${fmt(toReady)}   ${ratios(toReady)}`);
    print(`den start (after stop) → agent ready:           ${fmt(stopToStart)}`);
    for (const id of ids) await api.call("POST", `/workspaces/${id}/builds`, { transition: "delete" });
    for (const id of ids) await api.waitFor(id, (ws) => ws.status === "deleted").catch(() => undefined);
  } finally {
    removeDockerObjectsOf(ids);
    await server?.stop("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(agentDir, { recursive: true, force: true });
  }
}

await main();
