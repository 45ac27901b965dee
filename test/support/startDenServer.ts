import { spawn, type ChildProcessByStdio } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";

const DEN = join(import.meta.dirname, "..", "..", "bin", "den");

/** A server should be ready well within this; the limit only turns a hang into a clear failure. */
const READY_LIMIT_MS = 60_000;

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** `bin/den server …` running as a child process. */
export type DenServerProcess = {
  /** The URL from the "Den is ready: <url>" line. */
  url: string;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Parsed pino lines of stderr. */
  logs(): Array<Record<string, unknown>>;
  /** Sends `signal` and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  exited: Promise<Exit>;
};

/** Only PATH and HOME from the caller: a DEN_* variable of the developer must not leak in. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...extra };
}

type Child = ChildProcessByStdio<null, Readable, Readable>;

function spawnDen(args: string[], env: Record<string, string>): Child {
  return spawn(process.execPath, [DEN, ...args], { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
}

function track(child: Child) {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  // "close" rather than "exit": all of the output has been read by then.
  const exited = new Promise<Exit>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return { stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs `bin/den <args>` to its end (for commands that fail fast). */
export async function runDen(args: string[], env: Record<string, string> = {}): Promise<Exit & { stdout: string; stderr: string }> {
  const child = spawnDen(args, env);
  const out = track(child);
  const exit = await out.exited;
  return { ...exit, stdout: out.stdout(), stderr: out.stderr() };
}

/** `bin/den server <args>` just spawned, not yet ready. */
export type SpawnedDenServer = Omit<DenServerProcess, "url"> & {
  /** Resolves with the first match of `pattern` in stdout or stderr; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
};

export function spawnDenServer(args: string[], env: Record<string, string> = {}): SpawnedDenServer {
  const child = spawnDen(["server", ...args], env);
  const out = track(child);
  return {
    pid: child.pid!,
    stdout: out.stdout,
    stderr: out.stderr,
    logs: () =>
      out
        .stderr()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited: out.exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return out.exited;
    },
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill("SIGTERM");
          reject(new Error(`den server did not print ${pattern} within ${READY_LIMIT_MS} ms; stderr:\n${out.stderr()}`));
        }, READY_LIMIT_MS);
        const check = () => {
          const m = pattern.exec(out.stdout()) ?? pattern.exec(out.stderr());
          if (!m) return;
          clearTimeout(timer);
          child.stdout.off("data", check);
          child.stderr.off("data", check);
          resolve(m);
        };
        child.stdout.on("data", check);
        child.stderr.on("data", check);
        void out.exited.then((exit) => {
          clearTimeout(timer);
          reject(new Error(`den server exited before printing ${pattern} (${JSON.stringify(exit)}); stderr:\n${out.stderr()}`));
        });
        check();
      });
    },
  };
}

/** Starts `bin/den server <args>` and resolves once it prints its ready line. */
export async function startDenServer(args: string[], env: Record<string, string> = {}): Promise<DenServerProcess> {
  const spawned = spawnDenServer(args, env);
  const [, url] = await spawned.waitFor(/^Den is ready: (\S+)$/m);
  return { ...spawned, url: url! };
}

/** PID of the embedded PostgreSQL of a data dir, from its lock file; undefined when it is not running. */
export function embeddedPostgresPid(dataDir: string): number | undefined {
  const lock = join(dataDir, "postgres", "data", "postmaster.pid");
  if (!existsSync(lock)) return undefined;
  return Number(readFileSync(lock, "utf8").split("\n")[0]);
}

/** Whether a process exists (signal 0 checks without sending anything). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
