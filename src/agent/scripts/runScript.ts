import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";

export type ScriptResult = {
  /** null when killed by a signal or when the script never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when /bin/sh could not be started at all. */
  startError?: string;
  /** The last lines the script printed (stdout and stderr together). */
  tail: string[];
};

export type RunningScript = { done: Promise<ScriptResult>; kill(signal?: NodeJS.Signals): void; pid: number | undefined };

export type RunScriptOptions = {
  script: string;
  cwd: string;
  env: Record<string, string>;
  /** 0 for no limit. */
  timeoutMs: number;
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  tailLines?: number;
};

/** How long a script gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** How long to wait for the last output after the script exited. */
const DRAIN_MS = 500;

/**
 * Runs `script` with `/bin/sh -c` in its own process group, so that a
 * timeout or the agent's shutdown ends everything it started. Completion is
 * the shell's exit: a script that leaves a server running in the background
 * has finished, and that server's output keeps being read (closing the pipe
 * would kill it with SIGPIPE on its next line).
 */
export function runScript(opts: RunScriptOptions): RunningScript {
  const tailLines = opts.tailLines ?? 20;
  const tail: string[] = [];
  const child = spawn("/bin/sh", ["-c", opts.script], { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const kill = (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
    if (signal !== "SIGKILL" && !killTimer) {
      killTimer = setTimeout(() => kill("SIGKILL"), KILL_GRACE_MS);
      killTimer.unref();
    }
  };
  const lines = (name: "stdout" | "stderr") => {
    const decoder = new StringDecoder("utf8");
    let partial = "";
    const emit = (line: string) => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      opts.onLine?.(name, line);
    };
    const stream = child[name]!;
    stream.on("data", (chunk: Buffer) => {
      const parts = (partial + decoder.write(chunk)).split("\n");
      partial = parts.pop()!;
      for (const line of parts) emit(line.endsWith("\r") ? line.slice(0, -1) : line);
    });
    return new Promise<void>((resolve) =>
      stream.on("close", () => {
        const rest = partial + decoder.end();
        if (rest) emit(rest);
        resolve();
      }),
    );
  };
  const outputClosed = Promise.all([lines("stdout"), lines("stderr")]);
  const done = new Promise<ScriptResult>((resolve) => {
    const timer = opts.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), kill()), opts.timeoutMs) : undefined;
    child.once("error", (err) => {
      clearTimeout(timer);
      resolve({ exitCode: null, signal: null, timedOut: false, startError: err.message, tail });
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      const drained = new Promise((r) => setTimeout(r, DRAIN_MS).unref());
      void Promise.race([outputClosed, drained]).then(() => resolve({ exitCode: code, signal, timedOut, tail: [...tail] }));
    });
  });
  return { done, kill, pid: child.pid };
}

/** One line for logs and lifecycle details: "exited with code 3", "timed out after 10 s"… */
export function describeScriptResult(result: ScriptResult, timeoutMs: number): string {
  if (result.startError) return `could not start: ${result.startError}`;
  if (result.timedOut) return `timed out after ${timeoutMs / 1000} s`;
  if (result.signal) return `was killed by ${result.signal}`;
  return `exited with code ${result.exitCode}`;
}
