import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { ServerChannel } from "ssh2";
import type { SshLog } from "./SshLog.js";

export type PtyRequest = { term: string; cols: number; rows: number };

export type ProcessSpec = {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  pty?: PtyRequest;
};

/** A running session process, as the session's requests and its end need it. */
export type SessionProcess = {
  resize(cols: number, rows: number): void;
  /** Delivers a `signal` request (name with or without "SIG"); false when the name is unknown. */
  signal(name: string): boolean;
  /** The session ended: hang up what still runs, as a closing terminal would. */
  hangUp(): void;
};

const EMPTY = Buffer.alloc(0);

type PtyModule = typeof import("@lydell/node-pty");
let ptyModule: Promise<PtyModule> | undefined;

/** Loaded on the first PTY session only: a native addon that plain exec and SFTP never need. */
function loadPty(): Promise<PtyModule> {
  ptyModule ??= import("@lydell/node-pty").then((m) => ((m as { default?: PtyModule }).default ?? m) as PtyModule);
  return ptyModule;
}

/** "TERM" or "SIGTERM" → "SIGTERM", or undefined for a name this OS does not have. */
export function signalName(name: string): NodeJS.Signals | undefined {
  const full = name.startsWith("SIG") ? name : `SIG${name}`;
  return full in constants.signals ? (full as NodeJS.Signals) : undefined;
}

function signalByNumber(signal: number): string | undefined {
  return Object.entries(constants.signals).find(([, n]) => n === signal)?.[0];
}

/**
 * Reports how the process ended — exit-status, or exit-signal (the name
 * without "SIG", as RFC 4254 wants) — once every byte of output before it
 * has left, then ends the channel.
 */
function reportExit(channel: ServerChannel, code: number | null, signal: string | null | undefined): void {
  let pending = 2;
  const done = () => {
    if (--pending > 0) return;
    if (signal) channel.exit(signal.replace(/^SIG/, ""), false, "");
    else channel.exit(code ?? 255);
    channel.end();
  };
  channel.write(EMPTY, done);
  channel.stderr.write(EMPTY, done);
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Starts a session's program on the channel: through a PTY when the client
 * asked for one, else with pipes (stderr as SSH extended data). Either way
 * the process leads its own session and process group, so that signals and
 * the hang-up at the end reach its children too.
 */
export async function startSessionProcess(channel: ServerChannel, spec: ProcessSpec, log: SshLog): Promise<SessionProcess> {
  return spec.pty === undefined ? startPiped(channel, spec, log) : startPty(channel, spec, spec.pty, log);
}

function startPiped(channel: ServerChannel, spec: ProcessSpec, log: SshLog): SessionProcess {
  // detached: setsid(), so the command and its children form one group we can hang up.
  const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: "pipe" });
  let exited = false;
  const exit = (code: number | null, signal: string | null) => {
    if (exited) return;
    exited = true;
    reportExit(channel, code, signal);
  };
  child.on("error", (err) => {
    log.debug({ err, file: spec.file }, "ssh session process failed to start");
    channel.stderr.write(`den: cannot run ${spec.file} in ${spec.cwd}: ${err.message}\n`);
    exit(127, null);
  });
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  channel.pipe(child.stdin);
  child.stdin.on("error", () => undefined);
  child.on("close", exit);
  return {
    resize: () => undefined,
    signal(name) {
      const signal = signalName(name);
      if (signal === undefined) return false;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return true;
    },
    hangUp() {
      // A command that ended by itself may leave children behind on purpose
      // (sshd leaves them too); only a session cut short is hung up.
      if (!exited && child.exitCode === null && child.signalCode === null) killGroup(child.pid, "SIGHUP");
      child.stdin.destroy();
    },
  };
}

async function startPty(channel: ServerChannel, spec: ProcessSpec, pty: PtyRequest, log: SshLog): Promise<SessionProcess> {
  const { spawn: spawnPty } = await loadPty();
  let term: ReturnType<typeof spawnPty>;
  try {
    term = spawnPty(spec.file, spec.args, {
      name: pty.term,
      cols: pty.cols > 0 ? pty.cols : 80,
      rows: pty.rows > 0 ? pty.rows : 24,
      cwd: spec.cwd,
      env: spec.env,
      // Raw bytes: the client's terminal decodes them, and a string decoder would mangle non-UTF-8 output.
      encoding: null,
    });
  } catch (err) {
    log.debug({ err, file: spec.file }, "ssh pty process failed to start");
    channel.stderr.write(`den: cannot run ${spec.file} in ${spec.cwd}: ${(err as Error).message}\n`);
    reportExit(channel, 127, null);
    return { resize: () => undefined, signal: () => false, hangUp: () => undefined };
  }
  let exited = false;
  term.onData((data) => {
    if (!channel.write(data as unknown as Buffer)) term.pause();
  });
  channel.on("drain", () => term.resume());
  channel.on("data", (data: Buffer) => term.write(data as unknown as string));
  term.onExit(({ exitCode, signal }) => {
    exited = true;
    reportExit(channel, exitCode, signal ? (signalByNumber(signal) ?? null) : null);
  });
  return {
    resize(cols, rows) {
      if (!exited && cols > 0 && rows > 0) term.resize(cols, rows);
    },
    signal(name) {
      const signal = signalName(name);
      if (signal === undefined) return false;
      if (!exited) term.kill(signal);
      return true;
    },
    hangUp() {
      // Like sshd closing the terminal: the shell's group gets SIGHUP, and
      // destroy() closes the master so jobs on the terminal are hung up too.
      if (!exited) killGroup(term.pid, "SIGHUP");
      (term as unknown as { destroy?: () => void }).destroy?.();
    },
  };
}
