import { constants as http2, type ServerHttp2Stream } from "node:http2";
import type { IPty } from "@lydell/node-pty";
import type { Logger } from "pino";
import type { PtyClientFrame } from "../../sdk/schemas/agentProtocol.js";
import { ScrollbackBuffer } from "./ScrollbackBuffer.js";

/** How long a shell gets after SIGHUP before SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** A client input line longer than this is not a frame the server sends. */
const MAX_FRAME = 1024 * 1024;

export type ReconnectingPtyOptions = {
  log: Logger;
  /** Read when the last client detaches, so a new manifest's value applies. */
  idleTimeoutMs: () => number;
  /** Counts an attached client as a session (stats); returns its end. */
  openSession: () => () => void;
  onExit: () => void;
  scrollbackBytes?: number;
};

/**
 * One PTY that outlives its clients: output goes to every attached stream
 * and to a scrollback ring that a reconnecting client receives first.
 * Clients send PtyClientFrame JSON lines (input and resize). With no client
 * attached for `idleTimeoutMs` the shell is hung up.
 */
export class ReconnectingPty {
  private readonly clients = new Set<ServerHttp2Stream>();
  private readonly blocked = new Set<ServerHttp2Stream>();
  private readonly scrollback: ScrollbackBuffer;
  private idleTimer: NodeJS.Timeout | undefined;
  private exited = false;

  constructor(
    readonly id: string,
    private readonly pty: IPty,
    private readonly opts: ReconnectingPtyOptions,
  ) {
    this.scrollback = new ScrollbackBuffer(opts.scrollbackBytes);
    // Spawned with `encoding: null`: data are Buffers, whatever the typings say.
    pty.onData((data: string | Buffer) => this.output(typeof data === "string" ? Buffer.from(data) : data));
    pty.onExit(({ exitCode, signal }) => {
      this.exited = true;
      clearTimeout(this.idleTimer);
      opts.log.debug({ exitCode, signal }, "pty exited");
      // End and close: the client need not end its side for the stream to go.
      for (const client of this.clients) client.end(() => client.close(http2.NGHTTP2_NO_ERROR));
      this.clients.clear();
      opts.onExit();
    });
  }

  get pid(): number {
    return this.pty.pid;
  }

  get attached(): number {
    return this.clients.size;
  }

  /** Replays the scrollback to `stream`, then streams live output to it and reads its frames. */
  attach(stream: ServerHttp2Stream, size?: { width: number; height: number }): void {
    if (this.exited) return void stream.end();
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (size) this.resize(size.width, size.height);
    const replay = this.scrollback.contents();
    if (replay.length > 0) stream.write(replay);
    this.clients.add(stream);
    const endSession = this.opts.openSession();
    this.readFrames(stream);
    // The client stopped sending: it is gone, so end our side too.
    stream.once("end", () => stream.end());
    stream.once("close", () => {
      endSession();
      this.detach(stream);
    });
  }

  resize(width: number, height: number): void {
    if (this.exited) return;
    try {
      this.pty.resize(width, height);
    } catch (err) {
      this.opts.log.debug({ err }, "pty resize failed");
    }
  }

  /** Hangs the shell up (SIGHUP), and kills it if it is still there after a grace period. */
  kill(): void {
    if (this.exited) return;
    try {
      this.pty.kill("SIGHUP");
    } catch {
      // Already gone.
    }
    setTimeout(() => {
      if (!this.exited) {
        try {
          this.pty.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }, KILL_GRACE_MS).unref();
  }

  private output(data: Buffer): void {
    this.scrollback.append(data);
    for (const client of this.clients) {
      if (client.write(data) || this.blocked.has(client)) continue;
      // A slow client holds the program back rather than growing our buffers.
      this.blocked.add(client);
      this.pty.pause();
      client.once("drain", () => this.unblock(client));
    }
  }

  private unblock(client: ServerHttp2Stream): void {
    this.blocked.delete(client);
    if (this.blocked.size === 0 && !this.exited) this.pty.resume();
  }

  private detach(stream: ServerHttp2Stream): void {
    if (!this.clients.delete(stream)) return;
    this.unblock(stream);
    if (this.clients.size > 0 || this.exited) return;
    const timeoutMs = this.opts.idleTimeoutMs();
    this.idleTimer = setTimeout(() => {
      this.opts.log.debug({ timeoutMs }, "detached pty idle: hanging up");
      this.kill();
    }, timeoutMs);
    this.idleTimer.unref();
  }

  private readFrames(stream: ServerHttp2Stream): void {
    stream.setEncoding("utf8");
    let buffer = "";
    stream.on("data", (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) this.frame(line);
      }
      if (buffer.length > MAX_FRAME) {
        this.opts.log.warn("pty client sent an oversized frame: dropping the client");
        stream.destroy();
      }
    });
  }

  private frame(line: string): void {
    const parsed = parseFrame(line);
    if (!parsed) {
      this.opts.log.debug("pty client sent a malformed frame: ignored");
      return;
    }
    if (parsed.data && !this.exited) this.pty.write(parsed.data);
    if (parsed.width || parsed.height) this.resize(parsed.width ?? this.pty.cols, parsed.height ?? this.pty.rows);
  }
}

/**
 * A PtyClientFrame line, or undefined when it is not one. Checked by hand,
 * not with the zod schema, to keep zod out of the agent (see parseManifest.ts).
 */
export function parseFrame(line: string): PtyClientFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { data, width, height } = value as Record<string, unknown>;
  const size = (n: unknown) => n === undefined || (Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 1000);
  if ((data !== undefined && typeof data !== "string") || !size(width) || !size(height)) return undefined;
  return { data: data as string | undefined, width: width as number | undefined, height: height as number | undefined };
}
