import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionType } from "./handleSession.js";
import { generateHostKey, serveSshConnection, type SshServeOptions } from "./serveSshConnection.js";

/**
 * Test support (used by the *.test.ts files here, never by the agent): a
 * loopback TCP listener standing in for the tunnel, each connection handed
 * to serveSshConnection, and an ssh_config so that the real OpenSSH tools
 * reach it as `den-test`.
 */

/** Nothing here should take this long; the limit only keeps a hung client from outliving the test. */
const RUN_LIMIT_MS = 120_000;

export const TEST_HOST = "den-test";

export type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };
export type RunOptions = { input?: string | Buffer; env?: Record<string, string>; cwd?: string };

export type TestSshHost = {
  port: number;
  /** opts.directory of every connection: the workspace's home. */
  home: string;
  /** A scratch directory on the "developer's" side. */
  local: string;
  configPath: string;
  /** Session types reported through onSession, in order. */
  sessionTypes: SessionType[];
  openSessions(): number;
  /** The environment the OpenSSH tools run with: no agent socket, no user config. */
  clientEnv(extra?: Record<string, string>): Record<string, string>;
  /** Runs a program to completion. */
  run(file: string, args: string[], opts?: RunOptions): Promise<Run>;
  /** `ssh -F <config> …`; put TEST_HOST in args. */
  ssh(args: string[], opts?: RunOptions): Promise<Run>;
  /** Starts a long-running client; it is killed by close() if the test does not end it. */
  spawn(file: string, args: string[], opts?: RunOptions): ChildProcess;
  close(): Promise<void>;
};

export async function startTestSshHost(overrides: Partial<SshServeOptions> = {}): Promise<TestSshHost> {
  const root = await mkdtemp(join(tmpdir(), "den-ssh-test-"));
  const home = join(root, "home");
  const local = join(root, "local");
  await Promise.all([mkdir(home), mkdir(local)]);
  const sessionTypes: SessionType[] = [];
  let open = 0;
  const options: SshServeOptions = {
    hostKey: generateHostKey(),
    env: { DEN: "true", DEN_WORKSPACE_NAME: "test" },
    directory: home,
    onSession(type) {
      sessionTypes.push(type);
      open++;
      let done = false;
      return () => {
        if (!done) open--;
        done = true;
      };
    },
    ...overrides,
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    serveSshConnection(socket, options);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;

  const configPath = join(root, "ssh_config");
  await writeFile(
    configPath,
    [
      `Host ${TEST_HOST}`,
      "  HostName 127.0.0.1",
      `  Port ${port}`,
      "  User developer",
      "  StrictHostKeyChecking no",
      "  UserKnownHostsFile /dev/null",
      "  GlobalKnownHostsFile /dev/null",
      "  LogLevel ERROR",
      "  BatchMode yes",
      "  ControlMaster no",
      "",
    ].join("\n"),
  );

  const children = new Set<ChildProcess>();
  const clientEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: root, LANG: "C", ...extra });
  const spawnChild = (file: string, args: string[], opts: RunOptions = {}) => {
    const child = spawn(file, args, { env: clientEnv(opts.env), cwd: opts.cwd ?? local, timeout: RUN_LIMIT_MS, stdio: "pipe" });
    children.add(child);
    child.once("exit", () => children.delete(child));
    // A program may exit without reading its input (EPIPE); its exit status tells the test what happened.
    child.stdin?.on("error", () => undefined);
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    return child;
  };
  const run = (file: string, args: string[], opts: RunOptions = {}): Promise<Run> => {
    const child = spawnChild(file, args, { ...opts, input: opts.input ?? "" });
    return collect(child);
  };

  return {
    port,
    home,
    local,
    configPath,
    sessionTypes,
    openSessions: () => open,
    clientEnv,
    run,
    ssh: (args, opts) => run("ssh", ["-F", configPath, ...args], opts),
    spawn: spawnChild,
    async close() {
      for (const child of children) child.kill("SIGKILL");
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

export function collect(child: ChildProcess): Promise<Run> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr?.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves with the first match of `pattern` in what `child` prints on `stream`. */
export function waitForOutput(child: ChildProcess, stream: "stdout" | "stderr", pattern: RegExp): Promise<RegExpMatchArray> {
  const source = child[stream];
  if (!source) return Promise.reject(new Error(`${stream} is not a pipe`));
  let seen = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const match = seen.match(pattern);
      if (!match) return;
      source.off("data", onData);
      child.off("exit", onExit);
      resolve(match);
    };
    const onExit = (code: number | null) => reject(new Error(`exited (${code}) before printing ${pattern}; ${stream}: ${seen}`));
    source.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Polls `check` until it holds; for states that announce themselves with no event (a process gone, a file removed). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An echo server (half-close aware: it ends its side when the peer ends) standing for a service in the workspace. */
export async function startEchoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
