import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { Agent } from "node:http";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";

/** The parts of an ssh://[user@]host[:port] Docker host. */
export type SshTarget = { user?: string; host: string; port?: number };

export type DialStdioOptions = {
  /** An ssh_config file given to ssh with -F (identity, known hosts, proxy); without it ssh reads the user's own. */
  configFile?: string;
  /** How long an idle connection is kept for reuse. Default 15 s. */
  idleMs?: number;
  /** The ssh program. Default "ssh" on the PATH. */
  sshCommand?: string;
};

/** ssh could not be run, or it ended with an error: it could not connect, log in, or run `docker` on the far side. */
export class DockerSshError extends Error {
  override name = "DockerSshError";
}

/** At most this many ssh processes (one per HTTP connection) run side by side for one engine. */
const MAX_CONNECTIONS = 8;

/**
 * An http.Agent for ssh:// Docker hosts, done the way the docker CLI does it:
 * each connection is a child `ssh [-F config] [-l user] [-p port] -- host
 * docker system dial-stdio`, whose stdin and stdout carry the HTTP bytes to
 * and from the remote engine's socket. So the remote host needs only sshd
 * and the docker CLI, and Den needs only the ssh client (with its keys,
 * known hosts and config, as for any other ssh use).
 *
 * Connections are kept alive and reused, since each costs an ssh handshake;
 * an idle one is closed after `idleMs`, and idle ones never keep the process
 * alive. BatchMode keeps ssh from prompting for a password or a host key:
 * the server has nobody to answer, so such a host fails at once with ssh's
 * own words (DockerSshError).
 */
export class DialStdioAgent extends Agent {
  constructor(
    readonly target: SshTarget,
    private readonly opts: DialStdioOptions = {},
  ) {
    super({ keepAlive: true, maxSockets: MAX_CONNECTIONS, timeout: opts.idleMs ?? 15_000 });
  }

  /** The ssh command line of one connection, for messages and for people to try by hand. */
  sshArgs(): string[] {
    const { user, host, port } = this.target;
    return [
      "-T",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=30",
      ...(this.opts.configFile ? ["-F", this.opts.configFile] : []),
      ...(user ? ["-l", user] : []),
      ...(port ? ["-p", String(port)] : []),
      "--",
      host,
      "docker",
      "system",
      "dial-stdio",
    ];
  }

  override createConnection(): Duplex {
    const command = this.opts.sshCommand ?? "ssh";
    const child = spawn(command, this.sshArgs(), { stdio: ["pipe", "pipe", "pipe"] });
    const { user, host, port } = this.target;
    return new DialStdioStream(child, `${user ? `${user}@` : ""}${host}${port ? `:${port}` : ""}`);
  }
}

/**
 * The stdio of one ssh child as the socket of an HTTP connection. Node's
 * HTTP client and agent call a few net.Socket methods on a socket
 * (setTimeout, setKeepAlive, ref, unref): they are given the meanings they
 * have there, with the child and its pipes standing for the TCP connection.
 * The end of the stream waits for ssh's exit, so that a failed ssh is
 * reported with its exit code and last line of stderr rather than as a
 * "socket hang up".
 */
class DialStdioStream extends Duplex {
  /** The idle time after which "timeout" is emitted, as net.Socket#timeout; 0 is none. */
  timeout = 0;
  readonly connecting = false;
  private idle: NodeJS.Timeout | undefined;
  private stderrTail = "";

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    /** [user@]host[:port], for messages. */
    private readonly destination: string,
  ) {
    super({ allowHalfOpen: false });
    child.stdout.on("data", (chunk: Buffer) => {
      this.touch();
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.on("data", (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-4000)));
    // A write to an ssh that has died fails with EPIPE; its exit, just after, says why.
    child.stdin.on("error", () => undefined);
    child.on("error", (err: NodeJS.ErrnoException) => {
      const why = err.code === "ENOENT" ? "the ssh client is not installed (install openssh-client)" : err.message;
      this.destroy(new DockerSshError(`cannot run ssh: ${why}`, { cause: err }));
    });
    child.on("close", (code, signal) => {
      if (this.destroyed) return;
      if (code === 0) this.push(null);
      else this.destroy(new DockerSshError(`ssh to ${this.destination} ${code === null ? `was killed by ${signal}` : `exited with code ${code}`}: ${lastLine(this.stderrTail) || "no output"}`));
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.touch();
    // The error of a failed write is ssh's exit, reported by the close handler.
    this.child.stdin.write(chunk, () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.child.stdin.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    clearTimeout(this.idle);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    callback(err);
  }

  /** As net.Socket#setTimeout: 0 turns the timer off and removes `onTimeout` (the HTTP client relies on that when it keeps a socket). */
  setTimeout(ms: number, onTimeout?: () => void): this {
    this.timeout = ms;
    if (onTimeout && ms === 0) this.removeListener("timeout", onTimeout);
    else if (onTimeout) this.once("timeout", onTimeout);
    this.touch();
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  ref(): this {
    this.child.ref();
    for (const pipe of this.pipes()) pipe.ref();
    return this;
  }

  unref(): this {
    this.child.unref();
    for (const pipe of this.pipes()) pipe.unref();
    return this;
  }

  /** The child's stdio are net.Sockets at run time, which is what ref/unref need. */
  private pipes(): Socket[] {
    return [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as Socket[];
  }

  /** Restarts the idle timer, as any read or write does on a net.Socket. */
  private touch(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    if (this.timeout > 0 && !this.destroyed) {
      this.idle = setTimeout(() => this.emit("timeout"), this.timeout);
      this.idle.unref();
    }
  }
}

/** The last line of ssh's stderr that says something: "Warning: Permanently added …" is noise. */
function lastLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("Warning: Permanently added"));
  return lines.at(-1) ?? "";
}
