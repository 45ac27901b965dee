import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerConfig } from "../../src/server/config.js";
import { createTestServer, type TestServer } from "./testServer.js";

const DEN = join(import.meta.dirname, "..", "..", "bin", "den");

/** A child process should never take this long; the limit only keeps a hung one from outliving the test. */
const RUN_LIMIT_MS = 30_000;

export type CliRun = { code: number | null; stdout: string; stderr: string };

export type RunOptions = { env?: Record<string, string>; input?: string };

/**
 * Runs `bin/den` as a child process with its own --global-config directory
 * and an environment without the caller's DEN_* variables or home.
 */
export class CliSandbox {
  readonly configDir: string;
  readonly home: string;

  constructor() {
    this.home = mkdtempSync(join(tmpdir(), "den-cli-home-"));
    this.configDir = join(this.home, "config");
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.home, USER: "tester", ...extra };
  }

  /** The argv of `den <args>` with this sandbox's config directory. */
  argv(args: string[]): string[] {
    return [DEN, "--global-config", this.configDir, ...args];
  }

  run(args: string[], opts: RunOptions = {}): Promise<CliRun> {
    const child = spawn(process.execPath, this.argv(args), { env: this.env(opts.env), timeout: RUN_LIMIT_MS });
    return collect(child, opts.input ?? "");
  }

  remove(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

function collect(child: ChildProcessWithoutNullStreams, input: string): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // A command that exits before reading its input closes the pipe: not an error here.
  child.stdin.on("error", () => undefined);
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A process on a pseudo-terminal (through util-linux `script`), for the
 * interactive prompts: answers are written when the question has been seen,
 * as a person would, so that echo and hidden input behave as on a terminal.
 */
export class TerminalSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private output = "";
  private seen = 0;
  private closed = false;
  private readonly exited: Promise<number | null>;
  private readonly waiters = new Set<() => void>();

  constructor(argv: string[], env: Record<string, string>) {
    const command = [process.execPath, ...argv].map(shellQuote).join(" ");
    this.child = spawn("script", ["--quiet", "--flush", "--return", "--command", command, "/dev/null"], { env, timeout: RUN_LIMIT_MS });
    this.child.stdout.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
      for (const wake of [...this.waiters]) wake();
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.on("error", reject);
      this.child.on("close", (code) => {
        this.closed = true;
        for (const wake of [...this.waiters]) wake();
        resolve(code);
      });
    });
  }

  /** Everything the terminal showed so far (stdout and stderr of the process, as a terminal shows them). */
  get transcript(): string {
    return this.output;
  }

  /** Waits until `text` appears after what earlier calls consumed. */
  expect(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const at = this.output.indexOf(text, this.seen);
        if (at >= 0) {
          this.seen = at + text.length;
          this.waiters.delete(check);
          resolve();
        } else if (this.closed) {
          this.waiters.delete(check);
          reject(new Error(`exited before showing ${JSON.stringify(text)}; it showed:\n${this.output}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Types a line and presses Enter. */
  type(line: string): void {
    this.child.stdin.write(`${line}\r`);
  }

  async exit(): Promise<number | null> {
    const code = await this.exited;
    this.child.stdin.end();
    return code;
  }

  kill(): void {
    if (!this.closed) this.child.kill();
  }
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export type ListeningTestServer = { server: TestServer; url: string; stop(): Promise<void> };

export type ListeningTestServerOptions = {
  /**
   * Options that depend on the port the server will listen on (e.g.
   * `wildcardAccessUrl: \`*.den.localhost:${port}\``): a free port is then
   * chosen first, and the server listens on it.
   */
  config?: (port: number) => Partial<ServerConfig>;
};

/** A test server (fresh database) listening on a free loopback port, for child processes. */
export async function startListeningTestServer(opts: ListeningTestServerOptions = {}): Promise<ListeningTestServer> {
  // Another process may take the chosen port before the server listens on it: then try another.
  for (let attempt = 1; ; attempt++) {
    const port = opts.config ? await freePort() : 0;
    const server = await createTestServer(opts.config ? { config: opts.config(port) } : {});
    try {
      await server.app.listen({ host: "127.0.0.1", port });
    } catch (err) {
      await server.stop();
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE" && attempt < 5) continue;
      throw err;
    }
    const address = server.app.server.address();
    if (!address || typeof address === "string") throw new Error("test server has no TCP address");
    return { server, url: `http://127.0.0.1:${address.port}`, stop: () => server.stop() };
  }
}

/** A loopback port that was free a moment ago. */
async function freePort(): Promise<number> {
  return Number(new URL(await unreachableUrl()).port);
}

/**
 * A loopback URL where nothing listens: a port the kernel just handed out and
 * that was closed again. (Fetch refuses low "bad ports" such as 1 before
 * trying, which would not test a refused connection.)
 */
export async function unreachableUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once("error", reject).listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("probe has no TCP address");
  return `http://127.0.0.1:${address.port}`;
}
