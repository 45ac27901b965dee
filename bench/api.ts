// `npm run bench:api`: start-up times of `den server` and the throughput of an
// authenticated API call against a bare Fastify route measured in the same run
// (TARGETS.md: users/me ≥ 0.5× the bare route). Prints figures; asserts nothing.
// Record results in bench/README.md.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { startDenServer, type DenServerProcess } from "../test/support/startDenServer.js";
import { runLoadProcess, type LoadOptions, type LoadResult } from "./runLoad.js";

const CONNECTIONS = 32;
const WARMUP_SECONDS = 2;
const SECONDS = 8;
const root = join(import.meta.dirname, "..");

/** Runs the load generator in its own process, so that it never shares an event loop with a server it measures. */
async function load(url: string, headers: Record<string, string> = {}): Promise<LoadResult> {
  const opts: LoadOptions = { url, headers, connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS };
  return runLoadProcess(opts);
}

async function timedStart(dataDir: string): Promise<{ server: DenServerProcess; seconds: number }> {
  const started = performance.now();
  // No rate limit: the benchmark sends far more than a person would, from one user.
  const server = await startDenServer(["--data-dir", dataDir, "--http-address", "127.0.0.1:0", "--prometheus-address", "", "--log-level", "warn", "--api-rate-limit", "0", "--login-rate-limit", "0"]);
  return { server, seconds: (performance.now() - started) / 1000 };
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

const print = (line: string) => process.stdout.write(line + "\n");
const fmt = (r: LoadResult) => `${r.requestsPerSecond.toFixed(0).padStart(6)} req/s   p50 ${r.p50Ms.toFixed(2)} ms   p99 ${r.p99Ms.toFixed(2)} ms   (${r.requests} requests, ${r.errors} errors)`;

async function main(): Promise<void> {
  // bin/den runs dist/: build it so that the figures are for the code in src/.
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "den-bench-"));
  const dataDir = join(dir, "data");
  let server: DenServerProcess | undefined;
  const bare = Fastify();
  try {
    const cold = await timedStart(dataDir);
    await cold.server.stop("SIGTERM");
    const warm = await timedStart(dataDir);
    server = warm.server;
    print(`den server cold start (empty data dir, embedded PostgreSQL initdb): ${cold.seconds.toFixed(2)} s`);
    print(`den server warm start (same data dir):                              ${warm.seconds.toFixed(2)} s`);

    const api = `${server.url}/api/v2`;
    const account = { username: "bench", email: "bench@example.com", password: "bench-password-1" };
    await post(`${api}/users/first`, account);
    const { session_token: token } = await post(`${api}/users/login`, { email: account.email, password: account.password });
    const headers = { "Den-Session-Token": String(token) };
    const me = await fetch(`${api}/users/me`, { headers });
    if (me.status !== 200) throw new Error(`GET /users/me answered ${me.status}`);
    const user: unknown = await me.json();

    // The baseline answers the same JSON, with no authentication and no database.
    bare.get("/users/me", async () => user);
    const bareUrl = await bare.listen({ host: "127.0.0.1", port: 0 });

    const den = await load(`${api}/users/me`, headers);
    const baseline = await load(`${bareUrl}/users/me`);
    print(`GET /api/v2/users/me, token, ${CONNECTIONS} connections:   ${fmt(den)}`);
    print(`bare Fastify route (this process), ${CONNECTIONS} connections: ${fmt(baseline)}`);
    print(`throughput ratio users/me / bare: ${(den.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}x (target >= 0.5x)`);
  } finally {
    await bare.close();
    await server?.stop("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
