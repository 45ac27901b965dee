// `npm run bench:scale`: how many connected, idle agents one `den server`
// holds on this machine while the API stays fast (TARGETS.md: ≥ 2000 agents
// with API p95 < 100 ms), against the same API latency with no agent
// connected (the baseline, same run); and the resident memory of one real,
// idle `den agent` (target ≤ 60 MB). Prints figures; asserts nothing.
//
// The agents are real rows made by the real provisioner: workspaces of a
// template whose agent is declared on a `directory` resource, which the
// process driver creates without launching anything. The provisioner hands a
// token only to the driver that launches the agent, so the benchmark sets
// each agent's token itself: it writes the SHA-256 of a token it made into
// the agent's row in PostgreSQL (the only thing written behind the API).
// Then bench/AgentSwarm.ts processes dial them with bench/SimulatedAgent.ts:
// the agent's own connection, tunnel, RPC and outbox code, sending what an
// idle agent sends on the real intervals.
import { execFileSync } from "node:child_process";
import { randomBytes, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import type { Workspace } from "../src/sdk/schemas/workspaces.js";
import { AGENT_TEMPLATE, agentPid } from "../test/support/agentWorkspace.js";
import { embeddedPostgresPid, startDenServer, type DenServerProcess } from "../test/support/startDenServer.js";
import { AgentSwarm, type SwarmStart } from "./AgentSwarm.js";
import { call, percentile, pushTemplate, sleep, type Api } from "./benchApi.js";
import { cpuSecondsByPid, descendantPids, processUsage, pssBytes, totalUsage, type ProcessUsage } from "./processUsage.js";
import { runLoadProcess, type LoadResult } from "./runLoad.js";

const root = join(import.meta.dirname, "..");
const { values: flags } = parseArgs({
  options: {
    /** Numbers of agents connected at once, in order; the ramp stops at the first step that breaks. */
    steps: { type: "string", default: "250,500,1000,2000,3000" },
    /** Seconds of API load while the agents idle, at each step. */
    seconds: { type: "string", default: "20" },
    /** API clients per endpoint, each sending a request every `interval-ms`. */
    clients: { type: "string", default: "4" },
    "interval-ms": { type: "string", default: "100" },
    /** Processes the simulated agents are spread over. */
    swarms: { type: "string", default: "2" },
    /** Skip the idle RSS of a real agent. */
    "no-rss": { type: "boolean", default: false },
  },
});
const STEPS = flags.steps.split(",").map(Number);
const SECONDS = Number(flags.seconds);
const CLIENTS = Number(flags.clients);
const INTERVAL_MS = Number(flags["interval-ms"]);
const SWARMS = Number(flags.swarms);
/** How long all agents of a step may take to connect and report `ready`. */
const CONNECT_DEADLINE_MS = 120_000;
/** After the agents are ready: their first metadata round and the server's writes settle before measuring. */
const SETTLE_MS = 5_000;
/** A step whose API p95 passes this, or where more than 1 % of the agents never became ready, ends the ramp. */
const BROKEN_P95_MS = 1000;
const TARGET_P95_MS = 100;
const RSS_IDLE_MS = 10_000;
const MB = 1e6;
const print = (line: string) => process.stdout.write(line + "\n");

/**
 * The metadata of the process example (examples/process/den.yaml): what the
 * agents report while idle besides stats.
 */
const METADATA = `    metadata:
      - {key: load, display_name: Load average, script: "cut -d' ' -f1-3 /proc/loadavg", interval: 10, timeout: 2}
      - {key: home-disk, display_name: Home disk, script: "du -sh \\"$HOME\\" | cut -f1", interval: 60, timeout: 10}
`;

/** An agent on a directory: the provisioner registers it, the driver launches nothing. */
const SCALE_TEMPLATE = `name: scale
resources:
  home: {driver: process, kind: directory, lifetime: persistent}
agents:
  main:
    resource: home
${METADATA}`;

/**
 * A real agent, launched by the process driver as in every process workspace:
 * the end-to-end tests' template (a start script, run once) with the same metadata.
 */
const RSS_TEMPLATE = AGENT_TEMPLATE.replace("name: reach", "name: rss").trimEnd() + "\n" + METADATA;

/** What every step measures with. */
type Bench = { server: DenServerProcess; db: pg.Client; swarms: AgentSwarm[]; api: Api; dataDir: string };

type StepResult = {
  workspaceCount: number;
  agents: number;
  /** The connection storm: all agents dialling at once. */
  start?: SwarmStart & { seconds: number; cpuShare: { server: number; postgres: number; swarms: number }; listenOverflows: number };
  serverConnected: number;
  workspaces: LoadResult;
  me: LoadResult;
  server: ProcessUsage & { cpuShare: number };
  postgresCpuShare: number;
  swarmCpuShare: number;
  commitsPerSecond: number;
  rowsWrittenPerSecond: number;
  /** Rows written a second, by table, the busiest first. */
  writesByTable: Array<[string, number]>;
  /** workspace_agents at the end of the window (autovacuums: during it). */
  agentTable: AgentTableHealth;
  events: { dialFailures: number; refusals: number; disconnects: number; rejectedReports: number };
  load: number[];
};

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "den-bench-scale-"));
  const dataDir = join(dir, "data");
  let server: DenServerProcess | undefined;
  let db: pg.Client | undefined;
  const swarms: AgentSwarm[] = [];
  let api: Api | undefined;
  try {
    print(`file descriptors: ulimit -n ${execFileSync("sh", ["-c", "ulimit -n"]).toString().trim()}; load average ${loadText()}`);
    // No rate limit: the API load comes from one user, far more than one person sends.
    server = await startDenServer(["--data-dir", dataDir, "--http-address", "127.0.0.1:0", "--prometheus-address", "", "--log-level", "warn", "--api-rate-limit", "0", "--login-rate-limit", "0"]);
    const account = { username: "bench", email: "bench@example.com", password: "bench-password-1" };
    const anon: Api = { url: server.url, token: "" };
    await call(anon, "POST", "/users/first", account);
    const { session_token } = await call<{ session_token: string }>(anon, "POST", "/users/login", { email: account.email, password: account.password });
    api = { url: server.url, token: session_token };
    db = await connectToEmbeddedPostgres(dataDir);

    if (!flags["no-rss"]) {
      await measureAgentRss(api, dir);
      await deleteRssWorkspace(api);
    }

    const templateId = await pushTemplate(api, "scale", SCALE_TEMPLATE, dir);
    for (let i = 0; i < SWARMS; i++) swarms.push(AgentSwarm.spawn());
    const bench: Bench = { server, db, swarms, api, dataDir };
    const tokens: string[] = [];
    const results: Array<{ baseline: StepResult; loaded: StepResult }> = [];
    for (const n of STEPS) {
      // Each step has as many workspaces as agents: GET /workspaces costs more with more of them, agents or not.
      const setupStart = performance.now();
      await createWorkspaces(api, templateId, tokens.length, n);
      tokens.push(...(await setAgentTokens(db, tokens.length)));
      print(`${n} workspaces with one agent each (created through the API; set-up ${((performance.now() - setupStart) / 1000).toFixed(1)} s)`);
      // The builds' last writes (and PostgreSQL's statistics of them) land before the baseline is measured.
      await sleep(SETTLE_MS);
      const baseline = await measureStep(bench, n, []);
      print(describe(baseline));
      const loaded = await measureStep(bench, n, tokens.slice(0, n));
      print(describe(loaded));
      results.push({ baseline, loaded });
      await Promise.all(swarms.map((s) => s.stop()));
      await waitForDisconnects(db);
      const broken = brokenBecause(loaded);
      if (broken) {
        print(`the ramp stops at ${n} agents: ${broken}`);
        break;
      }
    }
    printTable(results);
  } finally {
    for (const s of swarms) s.kill();
    await db?.end();
    // Leave no agent process behind if the benchmark failed before it deleted the rss workspace.
    if (api) await deleteRssWorkspace(api).catch((err: unknown) => print(`could not delete the rss workspace: ${(err as Error).message}`));
    await server?.stop("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The agent's idle footprint: one real `den agent`, started by the process driver, ready and idle for RSS_IDLE_MS. */
async function measureAgentRss(api: Api, dir: string): Promise<void> {
  const templateId = await pushTemplate(api, "rss", RSS_TEMPLATE, dir);
  const created = await call<Workspace>(api, "POST", "/users/me/workspaces", { name: "rss", template_id: templateId, rich_parameter_values: [] });
  const deadline = Date.now() + 60_000;
  let ws: Workspace;
  for (;;) {
    ws = await call<Workspace>(api, "GET", `/workspaces/${created.id}`);
    if (ws.latest_build.status === "running" && ws.agents?.[0]?.lifecycle_state === "ready") break;
    if (ws.latest_build.status === "failed" || Date.now() > deadline) throw new Error(`the rss workspace's agent was not ready: ${JSON.stringify(ws.latest_build.status)}`);
    await sleep(50);
  }
  // Idle on purpose: what an agent holds between sessions, after its first metadata rounds.
  await sleep(RSS_IDLE_MS);
  const pid = agentPid(ws);
  const agent = processUsage(pid);
  const children = descendantPids(pid);
  const withChildren = totalUsage([pid, ...children]);
  print(`agent idle RSS (\`node dist/den.js agent\` as the process driver starts it, ready and idle ${RSS_IDLE_MS / 1000} s): ` +
    `${(agent.rssBytes / MB).toFixed(1)} MB (PSS ${(pssBytes(pid) / MB).toFixed(1)} MB, peak ${(agent.peakRssBytes / MB).toFixed(1)} MB; ` +
    `with ${children.length} child process(es) ${(withChildren.rssBytes / MB).toFixed(1)} MB); target <= 60 MB`);
}

async function deleteRssWorkspace(api: Api): Promise<void> {
  const list = await call<{ workspaces: Workspace[] }>(api, "GET", "/workspaces?q=name:rss");
  const ws = list.workspaces.find((w) => w.name === "rss");
  if (!ws) return;
  await call(api, "POST", `/workspaces/${ws.id}/builds`, { transition: "delete" });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${api.url}/api/v2/workspaces/${ws.id}`, { headers: { "Den-Session-Token": api.token } });
    if (res.status === 404) return;
    await sleep(100);
  }
  throw new Error("not deleted within 60 s");
}

/** Creates scale-<from> … scale-<to - 1> and waits until every scale workspace is running. */
async function createWorkspaces(api: Api, templateId: string, from: number, count: number): Promise<void> {
  let next = from;
  const createSome = async () => {
    while (next < count) {
      const name = `scale-${next++}`;
      await call(api, "POST", "/users/me/workspaces", { name, template_id: templateId, rich_parameter_values: [] });
    }
  };
  await Promise.all(Array.from({ length: 16 }, createSome));
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const running = await call<{ count: number }>(api, "GET", "/workspaces?q=template:scale%20status:running&limit=1");
    if (running.count >= count) return;
    const failed = await call<{ count: number; workspaces: Workspace[] }>(api, "GET", "/workspaces?q=template:scale%20status:failed&limit=1");
    if (failed.count > 0) throw new Error(`${failed.count} scale workspaces failed to build, e.g. ${failed.workspaces[0]!.name}: ${failed.workspaces[0]!.latest_build.job.error}`);
    if (Date.now() > deadline) throw new Error(`only ${running.count} of ${count} workspaces running after 30 min`);
    await sleep(500);
  }
}

/** The embedded PostgreSQL of `dataDir`, as the server reaches it (embeddedPostgres.ts: user den, the password file, the port in postmaster.pid). */
async function connectToEmbeddedPostgres(dataDir: string): Promise<pg.Client> {
  const pgDir = join(dataDir, "postgres");
  const password = readFileSync(join(pgDir, "password"), "utf8").trim();
  const port = Number(readFileSync(join(pgDir, "data", "postmaster.pid"), "utf8").split("\n")[3]);
  const client = new pg.Client({ host: "127.0.0.1", port, user: "den", password, database: "postgres" });
  await client.connect();
  return client;
}

/**
 * Gives each agent of the scale workspaces past the first `have` a token of
 * ours: its SHA-256 goes where registerAgents put the hash of the one it made.
 */
async function setAgentTokens(db: pg.Client, have: number): Promise<string[]> {
  const { rows: all } = await db.query<{ id: string }>(
    `SELECT a.id FROM workspace_agents a JOIN workspaces w ON w.id = a.workspace_id WHERE w.name LIKE 'scale-%' ORDER BY w.created_at, w.id`,
  );
  const rows = all.slice(have);
  const tokens = rows.map(() => randomBytes(24).toString("base64url"));
  const hashes = tokens.map((t) => createHash("sha256").update(t).digest());
  await db.query("UPDATE workspace_agents a SET token_hash = t.hash FROM unnest($1::uuid[], $2::bytea[]) AS t(id, hash) WHERE a.id = t.id", [rows.map((r) => r.id), hashes]);
  return tokens;
}

/** Scale agents whose rows say they are connected (as agentConnectionStatus reads them, minus staleness). */
async function connectedAgents(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM workspace_agents a JOIN workspaces w ON w.id = a.workspace_id
     WHERE w.name LIKE 'scale-%' AND a.last_connected_at IS NOT NULL AND (a.disconnected_at IS NULL OR a.disconnected_at < a.last_connected_at)`,
  );
  return Number(rows[0]!.n);
}

async function waitForDisconnects(db: pg.Client): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await connectedAgents(db)) > 0) {
    if (Date.now() > deadline) throw new Error("the server still counts agents as connected 120 s after they closed");
    await sleep(250);
  }
}

type DatabaseWork = { commits: number; writesByTable: Map<string, number> };

/** Transactions committed (reads included) and rows written to each table so far, from PostgreSQL's statistics. */
async function databaseWork(db: pg.Client): Promise<DatabaseWork> {
  const commits = await db.query<{ n: string }>("SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()");
  const tables = await db.query<{ name: string; n: string }>("SELECT relname AS name, n_tup_ins + n_tup_upd + n_tup_del AS n FROM pg_stat_user_tables");
  return { commits: Number(commits.rows[0]!.n), writesByTable: new Map(tables.rows.map((r) => [r.name, Number(r.n)])) };
}

type AgentTableHealth = { liveRows: number; deadRows: number; hotUpdateShare: number; autovacuums: number };

/** How the table every agent report updates is doing: dead row versions slow the scans of it. */
async function agentTableHealth(db: pg.Client): Promise<AgentTableHealth> {
  const { rows } = await db.query<{ live: string; dead: string; upd: string; hot: string; vacuums: string }>(
    `SELECT n_live_tup AS live, n_dead_tup AS dead, n_tup_upd AS upd, n_tup_hot_upd AS hot, autovacuum_count AS vacuums
     FROM pg_stat_user_tables WHERE relname = 'workspace_agents'`,
  );
  const r = rows[0]!;
  return { liveRows: Number(r.live), deadRows: Number(r.dead), hotUpdateShare: Number(r.upd) > 0 ? (100 * Number(r.hot)) / Number(r.upd) : 0, autovacuums: Number(r.vacuums) };
}

/** The kernel's count of connections dropped because a listen queue was full (TcpExt ListenOverflows), machine-wide. */
function listenOverflows(): number {
  const lines = readFileSync("/proc/net/netstat", "utf8").split("\n");
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(" ");
    if (names[0] !== "TcpExt:") continue;
    return Number(lines[i + 1]!.split(" ")[names.indexOf("ListenOverflows")]);
  }
  return 0;
}

function postgresPids(dataDir: string): number[] {
  const postmaster = embeddedPostgresPid(dataDir);
  return postmaster ? [postmaster, ...descendantPids(postmaster)] : [];
}

/** CPU seconds that `pids` spent since `before` (a process started meanwhile counts from zero, one that ended is lost). */
function cpuSince(before: Map<number, number>, pids: number[]): number {
  let total = 0;
  for (const [pid, seconds] of cpuSecondsByPid(pids)) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/**
 * With `workspaceCount` workspaces, connects `tokens`' agents (none for the
 * baseline), lets them settle, then loads the API while they idle,
 * measuring everything.
 */
async function measureStep(bench: Bench, workspaceCount: number, tokens: string[]): Promise<StepResult> {
  const { server, db, swarms, api } = bench;
  let start: StepResult["start"];
  const eventsBefore = await Promise.all(swarms.map((s) => s.events()));
  if (tokens.length > 0) {
    const t = performance.now();
    const overflowsBefore = listenOverflows();
    const cpuBefore = { server: processUsage(server.pid).cpuSeconds, pg: cpuSecondsByPid(postgresPids(bench.dataDir)), swarms: cpuSecondsByPid(swarms.map((s) => s.pid)) };
    const parts = await Promise.all(swarms.map((s, i) => s.start(api.url, tokens.filter((_, j) => j % swarms.length === i), CONNECT_DEADLINE_MS)));
    const seconds = (performance.now() - t) / 1000;
    const cpuShare = {
      server: (100 * (processUsage(server.pid).cpuSeconds - cpuBefore.server)) / seconds,
      postgres: (100 * cpuSince(cpuBefore.pg, postgresPids(bench.dataDir))) / seconds,
      swarms: (100 * cpuSince(cpuBefore.swarms, swarms.map((s) => s.pid))) / seconds,
    };
    start = { seconds, cpuShare, listenOverflows: listenOverflows() - overflowsBefore, manifestMs: parts.flatMap((p) => p.manifestMs), readyMs: parts.flatMap((p) => p.readyMs), notReady: parts.reduce((a, p) => a + p.notReady, 0) };
  }
  await sleep(SETTLE_MS);
  const pgPids = () => postgresPids(bench.dataDir);
  const swarmPids = swarms.map((s) => s.pid);
  const before = { server: processUsage(server.pid), pg: cpuSecondsByPid(pgPids()), swarms: cpuSecondsByPid(swarmPids), database: await databaseWork(db), agentTable: await agentTableHealth(db), at: performance.now() };
  const load = loadavg();
  const options = { headers: { "Den-Session-Token": api.token }, connections: CLIENTS, intervalMs: INTERVAL_MS, warmupSeconds: 1, seconds: SECONDS };
  const [workspaces, me] = await Promise.all([
    runLoadProcess({ ...options, url: `${api.url}/api/v2/workspaces` }),
    runLoadProcess({ ...options, url: `${api.url}/api/v2/users/me` }),
  ]);
  const seconds = (performance.now() - before.at) / 1000;
  const serverNow = processUsage(server.pid);
  const share = (cpuSeconds: number) => (100 * cpuSeconds) / seconds;
  const database = await databaseWork(db);
  const agentTable = await agentTableHealth(db);
  const writesByTable = [...database.writesByTable]
    .map(([name, n]): [string, number] => [name, (n - (before.database.writesByTable.get(name) ?? 0)) / seconds])
    .filter(([, perSecond]) => perSecond >= 0.5)
    .sort((a, b) => b[1] - a[1]);
  const eventsAfter = await Promise.all(swarms.map((s) => s.events()));
  const change = (key: "dialFailures" | "refusals" | "disconnects" | "rejectedReports") =>
    eventsAfter.reduce((a, e) => a + e.events[key], 0) - eventsBefore.reduce((a, e) => a + e.events[key], 0);
  return {
    workspaceCount,
    agents: tokens.length,
    start,
    serverConnected: await connectedAgents(db),
    workspaces,
    me,
    server: { ...serverNow, cpuShare: share(serverNow.cpuSeconds - before.server.cpuSeconds) },
    postgresCpuShare: share(cpuSince(before.pg, pgPids())),
    swarmCpuShare: share(cpuSince(before.swarms, swarmPids)),
    commitsPerSecond: (database.commits - before.database.commits) / seconds,
    rowsWrittenPerSecond: writesByTable.reduce((a, [, n]) => a + n, 0),
    writesByTable,
    agentTable: { ...agentTable, autovacuums: agentTable.autovacuums - before.agentTable.autovacuums },
    events: { dialFailures: change("dialFailures"), refusals: change("refusals"), disconnects: change("disconnects"), rejectedReports: change("rejectedReports") },
    load,
  };
}

function brokenBecause(r: StepResult): string | undefined {
  if (r.start && r.start.notReady > r.agents / 100) return `${r.start.notReady} of ${r.agents} agents were not ready within ${CONNECT_DEADLINE_MS / 1000} s`;
  const p95 = Math.max(r.workspaces.p95Ms, r.me.p95Ms);
  if (p95 > BROKEN_P95_MS) return `API p95 ${p95.toFixed(0)} ms`;
  if (r.workspaces.errors + r.me.errors > 0) return `${r.workspaces.errors + r.me.errors} API requests failed`;
  return undefined;
}

const loadText = () => loadavg().map((x) => x.toFixed(2)).join(" ");
const latency = (r: LoadResult) => `${r.p50Ms.toFixed(1)} / ${r.p95Ms.toFixed(1)} / ${r.p99Ms.toFixed(1)} ms`;
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

function describe(r: StepResult): string {
  const lines = [`  ${r.agents} agents connected, ${r.workspaceCount} workspaces; the server counts ${r.serverConnected} connected; load average ${r.load.map((x) => x.toFixed(2)).join(" ")}`];
  if (r.start) {
    const s = r.start;
    lines.push(`    connect all: ${s.seconds.toFixed(1)} s (first manifest p50 ${percentile(s.manifestMs, 50).toFixed(0)} ms, p95 ${percentile(s.manifestMs, 95).toFixed(0)} ms; ` +
      `lifecycle ready acknowledged p95 ${percentile(s.readyMs, 95).toFixed(0)} ms; ${s.notReady} not ready); ` +
      `meanwhile CPU: server ${s.cpuShare.server.toFixed(0)} %, PostgreSQL ${s.cpuShare.postgres.toFixed(0)} %, agent swarms ${s.cpuShare.swarms.toFixed(0)} %; ` +
      `TCP listen queue overflows (whole machine) ${s.listenOverflows}`);
    const e = r.events;
    lines.push(`    dial failures ${e.dialFailures}, token refusals ${e.refusals}, disconnects ${e.disconnects}, rejected reports ${e.rejectedReports}`);
  }
  lines.push(`    GET /workspaces p50 / p95 / p99 ${latency(r.workspaces)} (${r.workspaces.requests} requests, ${r.workspaces.errors} errors); ` +
    `GET /users/me ${latency(r.me)} (${r.me.requests} requests, ${r.me.errors} errors)`);
  lines.push(`    server CPU ${r.server.cpuShare.toFixed(0)} % of a core, RSS ${mb(r.server.rssBytes)} (peak ${mb(r.server.peakRssBytes)}); PostgreSQL CPU ${r.postgresCpuShare.toFixed(0)} %; ` +
    `agent swarms CPU ${r.swarmCpuShare.toFixed(0)} %; ${r.commitsPerSecond.toFixed(0)} transactions/s; rows written/s ${r.rowsWrittenPerSecond.toFixed(0)} ` +
    `(${r.writesByTable.slice(0, 4).map(([t, n]) => `${t} ${n.toFixed(0)}`).join(", ")})`);
  const a = r.agentTable;
  lines.push(`    workspace_agents: ${a.liveRows} live rows, ${a.deadRows} dead, ${a.hotUpdateShare.toFixed(0)} % of updates HOT so far, ${a.autovacuums} autovacuum(s) in the window`);
  return lines.join("\n");
}

function printTable(results: Array<{ baseline: StepResult; loaded: StepResult }>): void {
  print("");
  print(`API: ${CLIENTS} clients per endpoint, each a request every ${INTERVAL_MS} ms, for ${SECONDS} s while the agents idle;`);
  print("baseline: the same workspaces with no agent connected, measured just before");
  print("| agents | connect all | GET /workspaces p50 / p95 / p99 (0 agents → N) | GET /users/me p50 / p95 / p99 (0 agents → N) | p95 ratio ws / me | server CPU | server RSS | PostgreSQL CPU | rows written/s | failures |");
  print("|---|---|---|---|---|---|---|---|---|---|");
  for (const { baseline: b, loaded: r } of results) {
    const failures = (r.start?.notReady ?? 0) + r.events.dialFailures + r.events.refusals + r.events.disconnects + r.events.rejectedReports + r.workspaces.errors + r.me.errors;
    print(`| ${r.agents} | ${r.start ? `${r.start.seconds.toFixed(1)} s` : ""} | ${latency(b.workspaces)} → ${latency(r.workspaces)} | ${latency(b.me)} → ${latency(r.me)} | ` +
      `${(r.workspaces.p95Ms / b.workspaces.p95Ms).toFixed(2)}× / ${(r.me.p95Ms / b.me.p95Ms).toFixed(2)}× | ${b.server.cpuShare.toFixed(0)} → ${r.server.cpuShare.toFixed(0)} % | ` +
      `${mb(b.server.rssBytes)} → ${mb(r.server.rssBytes)} | ${b.postgresCpuShare.toFixed(0)} → ${r.postgresCpuShare.toFixed(0)} % | ${b.rowsWrittenPerSecond.toFixed(0)} → ${r.rowsWrittenPerSecond.toFixed(0)} | ${failures} |`);
  }
  const held = results.filter(({ loaded: r }) => r.start && r.start.notReady === 0 && Math.max(r.workspaces.p95Ms, r.me.p95Ms) < TARGET_P95_MS);
  const best = held.at(-1)?.loaded;
  print(best ? `highest number of agents with API p95 < ${TARGET_P95_MS} ms: ${best.agents} (target >= 2000)` : `no step kept API p95 < ${TARGET_P95_MS} ms (target >= 2000 agents)`);
}

await main();
