// `npm run bench:lifecycle`: how fast the provisioner turns workspaces around
// with the process driver, against spawning the same process directly
// (the baseline, measured in the same run). Prints figures; asserts nothing.
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDenServer, type DenServerProcess } from "../test/support/startDenServer.js";
import { call, percentile, pushTemplate, sleep, timed, type Api } from "./benchApi.js";

const root = join(import.meta.dirname, "..");
const SEQUENTIAL = 20;
const CONCURRENT = 50;
const print = (line: string) => process.stdout.write(line + "\n");

const BUILD_ONLY = `name: bench
resources:
  home: {driver: process, kind: directory, lifetime: persistent}
  box:
    driver: process
    kind: process
    lifetime: ephemeral
    command: ["sleep", "infinity"]
    env: {HOME: "\${{ resources.home.path }}"}
`;

const WITH_AGENT = `${BUILD_ONLY.replace("name: bench", "name: bench-agent")}agents:
  main:
    resource: box
    dir: "\${{ resources.home.path }}"
`;

type Ws = { id: string; status: string; agents?: Array<{ lifecycle_state: string; status: string }> };

async function waitFor(api: Api, id: string, done: (ws: Ws) => boolean): Promise<Ws> {
  for (;;) {
    const ws = await call<Ws>(api, "GET", `/workspaces/${id}`);
    if (done(ws)) return ws;
    if (ws.status === "failed") throw new Error(`workspace ${id} failed`);
    await sleep(10);
  }
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

async function spawnBaseline(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    times.push(
      await timed(async () => {
        const child = spawn("sleep", ["infinity"], { detached: true, stdio: "ignore" });
        await new Promise((resolve) => child.once("spawn", resolve));
        child.kill("SIGKILL");
      }),
    );
  }
  return times;
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "den-bench-lifecycle-"));
  let server: DenServerProcess | undefined;
  try {
    server = await startDenServer(["--data-dir", join(dir, "data"), "--http-address", "127.0.0.1:0", "--prometheus-address", "", "--log-level", "warn", "--api-rate-limit", "0", "--login-rate-limit", "0"]);
    const account = { username: "bench", email: "bench@example.com", password: "bench-password-1" };
    const anon: Api = { url: server.url, token: "" };
    await call(anon, "POST", "/users/first", account);
    const { session_token } = await call<{ session_token: string }>(anon, "POST", "/users/login", { email: account.email, password: account.password });
    const api: Api = { url: server.url, token: session_token };
    const buildOnly = await pushTemplate(api, "bench", BUILD_ONLY, dir);
    const withAgent = await pushTemplate(api, "bench-agent", WITH_AGENT, dir);

    const createOne = async (name: string, template: string) => call<Ws>(api, "POST", "/users/me/workspaces", { name, template_id: template, rich_parameter_values: [] });
    const running = (ws: Ws) => ws.status === "running";

    const createTimes: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      createTimes.push(await timed(async () => ids.push((await waitFor(api, (await createOne(`seq-${i}`, buildOnly)).id, running)).id)));
    }
    const stopTimes: number[] = [];
    const startTimes: number[] = [];
    for (const id of ids.slice(0, 10)) {
      stopTimes.push(await timed(async () => {
        await call(api, "POST", `/workspaces/${id}/builds`, { transition: "stop" });
        await waitFor(api, id, (ws) => ws.status === "stopped");
      }));
      startTimes.push(await timed(async () => {
        await call(api, "POST", `/workspaces/${id}/builds`, { transition: "start" });
        await waitFor(api, id, running);
      }));
    }

    const agentTimes: number[] = [];
    let agentError = "";
    for (let i = 0; i < 5 && !agentError; i++) {
      try {
        agentTimes.push(await timed(async () => {
          const ws = await createOne(`agent-${i}`, withAgent);
          const deadline = Date.now() + 30_000;
          await waitFor(api, ws.id, (w) => {
            if (Date.now() > deadline) throw new Error("the agent was not ready within 30 s");
            return w.agents?.[0]?.lifecycle_state === "ready";
          });
        }));
      } catch (err) {
        agentError = (err as Error).message;
      }
    }

    const concurrentStart = performance.now();
    const created = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => createOne(`par-${i}`, buildOnly)));
    await Promise.all(created.map((ws) => waitFor(api, ws.id, running)));
    const concurrentSeconds = (performance.now() - concurrentStart) / 1000;

    const baseline = await spawnBaseline();
    print(`create -> running, process driver, ${SEQUENTIAL} sequential: p50 ${ms(percentile(createTimes, 50))}  p95 ${ms(percentile(createTimes, 95))}`);
    print(`stop -> stopped p50 ${ms(percentile(stopTimes, 50))}   start -> running p50 ${ms(percentile(startTimes, 50))}  (10 workspaces)`);
    print(agentError ? `create -> agent ready: not measured (${agentError})` : `create -> agent ready, ${agentTimes.length} workspaces: p50 ${ms(percentile(agentTimes, 50))}  (target <= 1000 ms)`);
    print(`${CONCURRENT} concurrent creates -> all running: ${concurrentSeconds.toFixed(2)} s, ${(CONCURRENT / concurrentSeconds).toFixed(1)} builds/s`);
    print(`baseline: spawn of the same process, p50 ${percentile(baseline, 50).toFixed(2)} ms`);
    print(`ratio create->running p50 / spawn p50: ${(percentile(createTimes, 50) / percentile(baseline, 50)).toFixed(0)}x`);

    // Leave nothing running: delete every workspace through the provisioner.
    const all = await call<{ workspaces: Ws[] }>(api, "GET", "/workspaces?limit=500");
    await Promise.all(all.workspaces.map(async (ws) => {
      await call(api, "POST", `/workspaces/${ws.id}/builds`, { transition: "delete" });
      for (;;) {
        const res = await fetch(`${api.url}/api/v2/workspaces/${ws.id}`, { headers: { "Den-Session-Token": api.token } });
        if (res.status === 404) return;
        await sleep(50);
      }
    }));
  } finally {
    await server?.stop("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
