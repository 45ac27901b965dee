import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { withDatabase } from "../../src/server/db/database.js";
import { embeddedPostgresPid, processExists, runDen, spawnDenServer, startDenServer, type DenServerProcess } from "../support/startDenServer.js";

const root = mkdtempSync(join(tmpdir(), "den-e2e-server-"));
let dirs = 0;
const newDataDir = () => join(root, `data-${dirs++}`);

const running = new Set<DenServerProcess>();
async function start(args: string[]): Promise<DenServerProcess> {
  const server = await startDenServer(["--http-address", "127.0.0.1:0", "--prometheus-address", "", ...args]);
  running.add(server);
  void server.exited.then(() => running.delete(server));
  return server;
}

afterEach(async () => {
  await Promise.all([...running].map((s) => s.stop("SIGTERM")));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A direct connection to a data dir's embedded PostgreSQL, as the server itself makes it. */
function embeddedClient(dataDir: string): pg.Client {
  const dir = join(dataDir, "postgres");
  const port = Number(readFileSync(join(dir, "data", "postmaster.pid"), "utf8").split("\n")[3]);
  const password = readFileSync(join(dir, "password"), "utf8").trim();
  return new pg.Client({ host: "127.0.0.1", port, user: "den", password, database: "postgres" });
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

const logged = (server: DenServerProcess, msg: string) => server.logs().filter((l) => l.msg === msg);

describe("den server as a process", () => {
  it("starts on an empty data dir, serves health and build info, and stops on SIGTERM with its PostgreSQL", async () => {
    const dataDir = newDataDir();
    const server = await start(["--data-dir", dataDir]);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
    expect(logged(server, "initialising embedded PostgreSQL")).toHaveLength(1);

    expect(await get(`${server.url}/healthz`)).toEqual({ status: 200, text: "OK" });
    const info = await get(`${server.url}/api/v2/buildinfo`);
    expect(info.status).toBe(200);
    expect(JSON.parse(info.text)).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), commit: expect.any(String) });

    const pgPid = embeddedPostgresPid(dataDir);
    expect(pgPid).toBeGreaterThan(0);
    expect(processExists(pgPid!)).toBe(true);

    expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(processExists(pgPid!)).toBe(false);
    // A clean PostgreSQL shutdown removes its lock file; a killed one leaves it.
    expect(embeddedPostgresPid(dataDir)).toBeUndefined();
  });

  it("stops its PostgreSQL when SIGTERM arrives during start-up", async () => {
    const dataDir = newDataDir();
    const server = spawnDenServer(["--http-address", "127.0.0.1:0", "--prometheus-address", "", "--data-dir", dataDir]);
    await server.waitFor(/"msg":"initialising embedded PostgreSQL"/);
    expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(server.stdout()).not.toContain("Den is ready");
    expect(embeddedPostgresPid(dataDir)).toBeUndefined();
    // The interrupted start left a data dir that the next start can use.
    const again = await start(["--data-dir", dataDir]);
    expect(await get(`${again.url}/healthz`)).toEqual({ status: 200, text: "OK" });
  });

  it("reuses the data dir on the next start: no initdb, no migrations, the data still there", async () => {
    const dataDir = newDataDir();
    const first = await start(["--data-dir", dataDir]);
    const client = embeddedClient(dataDir);
    await client.connect();
    await client.query("CREATE TABLE e2e_marker (note text)");
    await client.query("INSERT INTO e2e_marker VALUES ('kept')");
    await client.end();
    expect((await first.stop("SIGINT")).code).toBe(0);

    const second = await start(["--data-dir", dataDir]);
    expect(logged(second, "initialising embedded PostgreSQL")).toHaveLength(0);
    expect(logged(second, "applying migration")).toHaveLength(0);
    const again = embeddedClient(dataDir);
    await again.connect();
    try {
      expect((await again.query("SELECT note FROM e2e_marker")).rows).toEqual([{ note: "kept" }]);
      const orgs = await again.query("SELECT name FROM organizations WHERE is_default");
      expect(orgs.rows).toEqual([{ name: "default" }]);
    } finally {
      await again.end();
    }
    expect(await get(`${second.url}/healthz`)).toEqual({ status: 200, text: "OK" });
    expect((await second.stop()).code).toBe(0);
  });

  it("runs two servers with different data dirs side by side, one of them too deep for a Unix socket path", async () => {
    const a = newDataDir();
    const b = join(newDataDir(), "a-directory-name-long-enough".repeat(2), "to-push-the-socket-path-past-107-bytes");
    expect(Buffer.byteLength(join(b, "postgres", ".s.PGSQL.65535"))).toBeGreaterThan(107);
    const [one, two] = await Promise.all([start(["--data-dir", a]), start(["--data-dir", b])]);
    expect(one.url).not.toBe(two.url);
    expect(embeddedPostgresPid(a)).not.toBe(embeddedPostgresPid(b));
    expect(await get(`${one.url}/healthz`)).toEqual({ status: 200, text: "OK" });
    expect(await get(`${two.url}/healthz`)).toEqual({ status: 200, text: "OK" });
    // Stopping one leaves the other serving.
    expect((await one.stop()).code).toBe(0);
    expect(await get(`${two.url}/healthz`)).toEqual({ status: 200, text: "OK" });
    expect((await two.stop()).code).toBe(0);
  });

  it("uses an external PostgreSQL given by --postgres-url and starts none of its own", async () => {
    const name = `e2e_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: inject("pgUrl") });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const dataDir = newDataDir();
      const server = await start(["--data-dir", dataDir, "--postgres-url", withDatabase(inject("pgUrl"), name)]);
      expect(existsSync(join(dataDir, "postgres"))).toBe(false);
      expect(logged(server, "applying migration").length).toBeGreaterThan(0);
      expect(await get(`${server.url}/healthz`)).toEqual({ status: 200, text: "OK" });
      const db = new pg.Client({ connectionString: withDatabase(inject("pgUrl"), name) });
      await db.connect();
      try {
        expect((await db.query("SELECT count(*)::int AS n FROM schema_migrations")).rows[0].n).toBeGreaterThan(0);
      } finally {
        await db.end();
      }
      expect((await server.stop()).code).toBe(0);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("serves Prometheus metrics on --prometheus-address and closes them on shutdown", async () => {
    const server = await start(["--data-dir", newDataDir(), "--prometheus-address", "127.0.0.1:0"]);
    const [listening] = logged(server, "serving metrics");
    const address = String(listening?.address);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
    const metrics = await get(`http://${address}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('den_http_requests_total{route="/healthz",method="GET",status="200"} 1');
    expect(metrics.text).toMatch(/^den_db_pool_connections \d+$/m);
    expect((await server.stop()).code).toBe(0);
    await expect(fetch(`http://${address}/metrics`)).rejects.toThrow();
  });

  it("refuses a bad option value with one line naming the flag", async () => {
    const run = await runDen(["server", "--log-level", "loud", "--data-dir", newDataDir()]);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("--log-level");
    expect(lines[0]).toContain("DEN_LOG_LEVEL");
    expect(run.stdout).toBe("");
  });

  it("names --postgres-url when it cannot reach that PostgreSQL", async () => {
    const run = await runDen(["server", "--data-dir", newDataDir(), "--http-address", "127.0.0.1:0", "--prometheus-address", "", "--postgres-url", "postgres://nobody:x@127.0.0.1:1/den"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split("\n").at(-1)).toMatch(/^den: cannot connect to PostgreSQL at --postgres-url/);
  });
});
