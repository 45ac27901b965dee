// `npm run bench:apps [-- --rounds N --seconds N --connections N --download-mib N --cpu-prof DIR]`:
// the app proxy against the app itself, in one run (a process-driver
// workspace with a real agent; the app is test/support/echoApp.ts on loopback).
//
// 1. A small GET (`/small`, 13 bytes) under N concurrent keep-alive clients
//    (bench/runLoad.ts, in its own process) through the path-app URL, the
//    subdomain URL (Host header and den_app_token cookie), a bare Node.js
//    reverse proxy (the cost of any extra hop) and directly on 127.0.0.1,
//    interleaved over several rounds; with the CPU each process spent per request.
// 2. A large download the same ways and through the server's raw TCP relay
//    (the same tunnel without HTTP proxying), its SHA-256 checked each time.
//
// Prints figures and ratios; asserts nothing. Record results in bench/README.md.
// `--cpu-prof DIR` also writes a CPU profile of the den server into DIR.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { get } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import type { Workspace } from "../src/sdk/schemas/workspaces.js";
import { agentPid } from "../test/support/agentWorkspace.js";
import { appRequest } from "../test/support/appRequest.js";
import { appsTemplate, signInToAppHost } from "../test/support/appTemplates.js";
import { unreachableUrl } from "../test/support/cli.js";
import { downloadSha256, startEchoApp, type EchoApp } from "../test/support/echoApp.js";
import { startDenServer, type DenServerProcess } from "../test/support/startDenServer.js";
import { call, pushTemplate, sleep, type Api } from "./benchApi.js";
import { runLoadProcess, type LoadOptions, type LoadResult } from "./runLoad.js";

const root = join(import.meta.dirname, "..");
const MIB = 1024 * 1024;
const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "16" },
    "download-mib": { type: "string", default: "200" },
    /** Write a CPU profile of the den server (node --cpu-prof) into this folder when it stops. */
    "cpu-prof": { type: "string" },
  },
});
const ROUNDS = Number(flags.rounds);
const SECONDS = Number(flags.seconds);
const CONNECTIONS = Number(flags.connections);
const DOWNLOAD_BYTES = Number(flags["download-mib"]) * MIB;
const WARMUP_SECONDS = 1;
/** /proc/<pid>/stat counts CPU time in USER_HZ ticks, 100 a second on Linux. */
const TICKS_PER_SECOND = 100;
const print = (line: string) => process.stdout.write(line + "\n");

/** How the benchmark reaches the echo app: directly, through a bare Node proxy, or through Den's proxy one of two ways. */
type Route = { name: "direct" | "node proxy" | "path" | "subdomain"; base: string; headers: Record<string, string> };
type DownloadRoute = Route["name"] | "tcp relay";

/** Runs the load generator in its own process, so that it shares an event loop with none of the processes measured. */
async function load(url: string, headers: Record<string, string>): Promise<LoadResult> {
  const opts: LoadOptions = { url, headers, connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS };
  return runLoadProcess(opts);
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[14 - 3]) + Number(fields[15 - 3])) / TICKS_PER_SECOND;
}

/** The processes a request may pass through (pids), or what each of them spent (CPU seconds). */
type Processes = { server: number; agent: number; app: number; bare: number };
const PROCESSES = ["server", "agent", "app", "bare"] as const;

function mapProcesses(f: (name: keyof Processes) => number): Processes {
  return { server: f("server"), agent: f("agent"), app: f("app"), bare: f("bare") };
}

function cpuOf(pids: Processes): Processes {
  return mapProcesses((name) => cpuSeconds(pids[name]));
}

function cpuSince(pids: Processes, before: Processes): Processes {
  const now = cpuOf(pids);
  return mapProcesses((name) => now[name] - before[name]);
}

/** CPU seconds as a share of the wall time (100 % = one core busy throughout), of the processes that did something. */
function busyText(cpu: Processes, seconds: number): string {
  return PROCESSES.filter((name) => cpu[name] > 0.01)
    .map((name) => `${PROCESS_NAMES[name]} ${((100 * cpu[name]) / seconds).toFixed(0)} %`)
    .join(", ");
}

const PROCESS_NAMES: Record<keyof Processes, string> = { server: "den server", agent: "agent", app: "echo app + client", bare: "bare proxy" };

/** Streams route's /download?bytes=N, hashing it on the way; answers MB/s (10^6 bytes) and the SHA-256. */
function download(route: Route, bytes: number): Promise<{ mbPerSecond: number; sha256: string; bytes: number }> {
  const url = new URL(`${route.base}/download?bytes=${bytes}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = get(url, { headers: route.headers, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${route.name} download answered ${res.statusCode}`));
      const hash = createHash("sha256");
      let received = 0;
      res.on("data", (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
      });
      res.on("end", () => resolve({ mbPerSecond: received / 1e6 / ((performance.now() - started) / 1000), sha256: hash.digest("hex"), bytes: received }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/**
 * NODE_OPTIONS that profile a process from its start until SIGTERM and
 * write the profile into `dir` (Node 20 refuses --cpu-prof in NODE_OPTIONS;
 * --import of a module that drives the inspector does the same).
 */
function cpuProfileOption(dir: string): string {
  const file = JSON.stringify(join(dir, "den-server-"));
  const code =
    `import{Session}from"node:inspector";import{writeFileSync}from"node:fs";const s=new Session();s.connect();s.post("Profiler.enable");s.post("Profiler.start");` +
    `process.prependListener("SIGTERM",()=>s.post("Profiler.stop",(e,r)=>writeFileSync(${file}+process.pid+".cpuprofile",JSON.stringify(r.profile))));`;
  return `--import=data:text/javascript,${encodeURIComponent(code)}`;
}

/**
 * A second baseline: the smallest Node.js reverse proxy (keep-alive to the
 * app, no auth, no tunnel) in a process of its own. The proxy's figures
 * against it say what Den adds to the cost of one more Node hop.
 */
async function startBareProxy(targetPort: number): Promise<{ url: string; child: ChildProcess }> {
  const code =
    `const http=require("node:http");const agent=new http.Agent({keepAlive:true});` +
    `http.createServer((req,res)=>{const up=http.request({host:"127.0.0.1",port:${targetPort},method:req.method,path:req.url,headers:req.headers,agent},(r)=>{res.writeHead(r.statusCode,r.headers);r.pipe(res);});` +
    `up.on("error",()=>res.destroy());req.pipe(up);}).listen(0,"127.0.0.1",function(){process.stdout.write(this.address().port+"\\n");});`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`the bare proxy exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/**
 * The same download through the server's raw TCP relay to the agent
 * (`/workspaceagents/{id}/tcp`, what `den port-forward` uses): the same
 * tunnel, without the proxy's HTTP handling. It says whether the tunnel or
 * the proxy limits a download. The request is written by hand with
 * `Connection: close`; the body is what follows the response head.
 */
function relayDownload(serverUrl: string, token: string, agentId: string, port: number, bytes: number): Promise<{ mbPerSecond: number; sha256: string; bytes: number }> {
  const url = `${serverUrl.replace(/^http/, "ws")}/api/v2/workspaceagents/${agentId}/tcp?port=${port}`;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = new WebSocket(url, { headers: { "Den-Session-Token": token }, perMessageDeflate: false });
    const hash = createHash("sha256");
    let head: Buffer | undefined = Buffer.alloc(0);
    let received = 0;
    socket.on("open", () => socket.send(Buffer.from(`GET /download?bytes=${bytes} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)));
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      let body = data;
      if (head) {
        head = Buffer.concat([head, data]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        body = head.subarray(end + 4);
        head = undefined;
      }
      received += body.length;
      hash.update(body);
      if (received >= bytes) {
        socket.close();
        resolve({ mbPerSecond: received / 1e6 / ((performance.now() - started) / 1000), sha256: hash.digest("hex"), bytes: received });
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`the relay closed after ${received} of ${bytes} bytes`)));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const load1 = () => loadavg()[0]!.toFixed(2);

async function main(): Promise<void> {
  // bin/den runs dist/: build it so that the figures are for the code in src/.
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "den-bench-apps-"));
  let server: DenServerProcess | undefined;
  let echo: EchoApp | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let bareProxy: { url: string; child: ChildProcess } | undefined;
  try {
    echo = await startEchoApp();
    // The wildcard host names the port, so the server gets a fixed one rather than 0.
    const port = Number(new URL(await unreachableUrl()).port);
    server = await startDenServer([
      "--data-dir", join(dir, "data"),
      "--http-address", `127.0.0.1:${port}`,
      "--wildcard-access-url", `*.den.localhost:${port}`,
      "--prometheus-address", "",
      "--log-level", "warn",
      // One user sends thousands of requests a second here, which the limits are there to stop.
      "--api-rate-limit", "0",
      "--login-rate-limit", "0",
    ], flags["cpu-prof"] ? { NODE_OPTIONS: cpuProfileOption(flags["cpu-prof"]) } : {});
    const account = { username: "bench", email: "bench@example.com", password: "bench-password-1" };
    const anon: Api = { url: server.url, token: "" };
    await call(anon, "POST", "/users/first", account);
    const { session_token: token } = await call<{ session_token: string }>(anon, "POST", "/users/login", { email: account.email, password: account.password });
    const api: Api = { url: server.url, token };
    const templateId = await pushTemplate(
      api,
      "bench-apps",
      appsTemplate("bench-apps", [
        { slug: "echo", url: `http://127.0.0.1:${echo.port}/` },
        { slug: "sub", url: `http://127.0.0.1:${echo.port}/`, subdomain: true },
      ]),
      dir,
    );
    let ws = await call<Workspace>(api, "POST", "/users/me/workspaces", { name: "bench", template_id: templateId });
    const wsId = ws.id;
    cleanup = async () => {
      // A build still running (a start that failed us halfway) must end before the delete can begin.
      for (let tries = 0; ; tries++) {
        const res = await fetch(`${api.url}/api/v2/workspaces/${wsId}/builds`, {
          method: "POST",
          headers: { "Den-Session-Token": token, "content-type": "application/json" },
          body: JSON.stringify({ transition: "delete" }),
        });
        if (res.ok) break;
        if (res.status !== 409 || tries > 600) throw new Error(`delete workspace: ${res.status} ${await res.text()}`);
        await sleep(100);
      }
      while ((await fetch(`${api.url}/api/v2/workspaces/${wsId}`, { headers: { "Den-Session-Token": token } })).status !== 404) await sleep(50);
    };
    // No event for an agent's connection reaches an API client: poll.
    while (!(ws = await call<Workspace>(api, "GET", `/workspaces/${wsId}`)).agents[0] || ws.status !== "running" || ws.agents[0].status !== "connected") {
      if (ws.latest_build.job.status === "failed") throw new Error(`workspace build failed: ${ws.latest_build.job.error}`);
      await sleep(50);
    }

    bareProxy = await startBareProxy(echo.port);
    const subHost = `sub--main--bench--bench.den.localhost:${port}`;
    const appCookie = await signInToAppHost(server.url, subHost, token);
    const routes: Route[] = [
      { name: "direct", base: echo.url, headers: {} },
      { name: "node proxy", base: bareProxy.url, headers: {} },
      { name: "path", base: `${server.url}/@bench/bench/apps/echo`, headers: { "den-session-token": token } },
      { name: "subdomain", base: server.url, headers: { host: subHost, cookie: `den_app_token=${appCookie}` } },
    ];
    for (const route of routes) {
      const url = new URL(`${route.base}/small`);
      const res = await appRequest(url.origin, { path: url.pathname, headers: route.headers, host: route.headers.host });
      if (res.status !== 200 || res.text() !== "hello, world\n") throw new Error(`${route.name} /small answered ${res.status}: ${res.text()}`);
    }

    const pids: Processes = { server: server.pid, agent: agentPid(ws), app: process.pid, bare: bareProxy.child.pid! };
    print(`den server pid ${pids.server}, agent pid ${pids.agent}, bare proxy pid ${pids.bare}, echo app in the benchmark's process (pid ${pids.app}); load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
    print(`small GET: ${CONNECTIONS} keep-alive connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s, ${ROUNDS} rounds (the three routes interleaved)`);
    const results = new Map<Route["name"], LoadResult[]>();
    const cpu = new Map<Route["name"], Processes>();
    const upstreamConnections = new Map<Route["name"], number>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const route of routes) {
        const before = cpuOf(pids);
        const connectionsBefore = echo.connections;
        const requestsBefore = echo.requests;
        const result = await load(`${route.base}/small`, route.headers);
        const requests = echo.requests - requestsBefore;
        const spent = cpuSince(pids, before);
        results.set(route.name, [...(results.get(route.name) ?? []), result]);
        const sum = cpu.get(route.name) ?? mapProcesses(() => 0);
        cpu.set(route.name, mapProcesses((name) => sum[name] + spent[name] / requests));
        upstreamConnections.set(route.name, (upstreamConnections.get(route.name) ?? 0) + echo.connections - connectionsBefore);
        print(
          `  round ${round} ${route.name.padEnd(10)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  ` +
            `(${result.requests} ok, ${result.errors} errors; load ${load1()})`,
        );
      }
    }
    const summary = (name: Route["name"]) => {
      const rs = results.get(name)!;
      return { rps: median(rs.map((r) => r.requestsPerSecond)), p50: median(rs.map((r) => r.p50Ms)), p99: median(rs.map((r) => r.p99Ms)) };
    };
    const direct = summary("direct");
    print("");
    print("small GET, medians of the rounds, and CPU per request of each process on the way:");
    for (const route of routes) {
      const s = summary(route.name);
      const c = cpu.get(route.name)!;
      const us = (seconds: number) => `${((seconds / ROUNDS) * 1e6).toFixed(0)} µs`;
      print(
        `  ${route.name.padEnd(10)} ${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  ` +
          `| CPU/request: ${PROCESSES.filter((name) => c[name] > 0.5e-6 * ROUNDS).map((name) => `${PROCESS_NAMES[name]} ${us(c[name])}`).join(", ")}  | new app connections ${upstreamConnections.get(route.name)}`,
      );
    }

    print("");
    print(`${DOWNLOAD_BYTES / MIB} MiB download (one connection, hashed as it arrives), 2 rounds interleaved; "tcp relay" is the server's raw TCP relay through the same tunnel:`);
    const want = downloadSha256(DOWNLOAD_BYTES);
    const speeds = new Map<DownloadRoute, number[]>();
    const downloads: Array<{ name: DownloadRoute; run: () => ReturnType<typeof download> }> = [
      ...routes.map((route) => ({ name: route.name, run: () => download(route, DOWNLOAD_BYTES) })),
      { name: "tcp relay", run: () => relayDownload(server!.url, token, ws.agents[0]!.id, echo!.port, DOWNLOAD_BYTES) },
    ];
    for (let round = 1; round <= 2; round++) {
      for (const route of downloads) {
        const before = cpuOf(pids);
        const started = performance.now();
        const got = await route.run();
        const busy = busyText(cpuSince(pids, before), (performance.now() - started) / 1000);
        const ok = got.bytes === DOWNLOAD_BYTES && got.sha256 === want;
        if (!ok) throw new Error(`${route.name} download: ${got.bytes} bytes, sha256 ${got.sha256}, want ${DOWNLOAD_BYTES} bytes, ${want}`);
        speeds.set(route.name, [...(speeds.get(route.name) ?? []), got.mbPerSecond]);
        print(`  round ${round} ${route.name.padEnd(10)} ${got.mbPerSecond.toFixed(0).padStart(5)} MB/s  sha256 ${got.sha256.slice(0, 16)}… ok  | busy: ${busy} (load ${load1()})`);
      }
    }
    const best = (name: DownloadRoute) => Math.max(...speeds.get(name)!);

    print("");
    print("summary: each figure, and its ratio to the app reached directly (for latencies, above 1× is slower):");
    print("| figure | path app | subdomain app | bare Node proxy | direct |");
    print("|---|---|---|---|---|");
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    const columns: Route["name"][] = ["path", "subdomain", "node proxy"];
    const row = (label: string, value: (name: Route["name"]) => number, unit: string, digits: number) => {
      const cells = columns.map((name) => `${value(name).toFixed(digits)}${unit} (${ratio(value(name), value("direct"))})`);
      print(`| ${label} | ${cells.join(" | ")} | ${value("direct").toFixed(digits)}${unit} |`);
    };
    row(`small GET req/s (${CONNECTIONS} connections)`, (name) => summary(name).rps, "", 0);
    row("small GET p50", (name) => summary(name).p50, " ms", 2);
    row("small GET p99", (name) => summary(name).p99, " ms", 2);
    row(`${DOWNLOAD_BYTES / MIB} MiB download, best of 2`, best, " MB/s", 0);
    print(`raw TCP relay through the same tunnel (no HTTP proxy): ${best("tcp relay").toFixed(0)} MB/s (${ratio(best("tcp relay"), best("direct"))}); subdomain / relay ${ratio(best("subdomain"), best("tcp relay"))}`);
    print(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  } finally {
    // Leave no workspace process behind: delete it through the provisioner.
    await cleanup?.().catch((err: unknown) => print(`cleanup: ${(err as Error).message}`));
    await server?.stop("SIGTERM");
    await echo?.close();
    bareProxy?.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
