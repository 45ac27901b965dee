import type { Logger } from "pino";
import type { IncomingStream } from "../../tunnel/serveTunnel.js";
import type { SessionStats } from "../stats/SessionStats.js";
import { ReconnectingPty } from "./ReconnectingPty.js";

/** What a new PTY needs from the current manifest. */
export type PtyContext = { cwd: string; env: Record<string, string>; shell: string; idleTimeoutMs: number };

type NodePty = typeof import("@lydell/node-pty");

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The reconnecting PTYs of the agent, by reconnect id: a /pty stream with a
 * known id attaches to the running shell (and gets its scrollback), an
 * unknown id starts one. node-pty is loaded on the first PTY only, to keep
 * an idle agent small.
 */
export class PtySessions {
  private readonly sessions = new Map<string, ReconnectingPty>();
  private readonly starting = new Map<string, Promise<ReconnectingPty>>();
  private nodePty: Promise<NodePty> | undefined;

  constructor(private readonly deps: { log: Logger; stats: SessionStats; context: () => PtyContext }) {}

  get(id: string): ReconnectingPty | undefined {
    return this.sessions.get(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Serves one /pty?reconnect=<uuid>&width=&height=&command= stream. */
  async open(incoming: IncomingStream): Promise<void> {
    const { query } = incoming;
    const id = query.get("reconnect") ?? "";
    if (!UUID.test(id)) return incoming.refuse(400, `reconnect: must be a UUID, got ${JSON.stringify(id)}`);
    const width = dimension(query.get("width"), 80);
    const height = dimension(query.get("height"), 24);
    if (width === undefined) return incoming.refuse(400, `width: must be a whole number from 1 to 1000, got ${JSON.stringify(query.get("width"))}`);
    if (height === undefined) return incoming.refuse(400, `height: must be a whole number from 1 to 1000, got ${JSON.stringify(query.get("height"))}`);
    let session: ReconnectingPty;
    try {
      session = this.sessions.get(id) ?? (await this.start(id, query.get("command") ?? "", width, height));
    } catch (err) {
      this.deps.log.warn({ err }, "cannot start a pty");
      return incoming.refuse(500, `cannot start a shell in the workspace: ${(err as Error).message}`);
    }
    if (incoming.stream.destroyed) return;
    session.attach(incoming.accept(), { width, height });
  }

  /** Hangs up every PTY (agent shutdown). */
  closeAll(): void {
    for (const session of this.sessions.values()) session.kill();
  }

  private start(id: string, command: string, width: number, height: number): Promise<ReconnectingPty> {
    // Two streams for the same new id may race: both get the one shell.
    let pending = this.starting.get(id);
    if (!pending) {
      pending = this.spawn(id, command, width, height).finally(() => this.starting.delete(id));
      this.starting.set(id, pending);
    }
    return pending;
  }

  private async spawn(id: string, command: string, width: number, height: number): Promise<ReconnectingPty> {
    this.nodePty ??= import("@lydell/node-pty");
    const { spawn } = await this.nodePty;
    const context = this.deps.context();
    // An interactive, non-login shell, as VS Code's terminal starts it: a
    // login shell's /etc/profile may reset PATH and drop the agent's `den`.
    const args = command ? ["-c", command] : [];
    const pty = spawn(context.shell, args, {
      name: "xterm-256color",
      cols: width,
      rows: height,
      cwd: context.cwd,
      env: { ...context.env, TERM: "xterm-256color" },
      encoding: null,
    });
    const log = this.deps.log.child({ pty: id, pid: pty.pid });
    log.debug({ shell: context.shell, command }, "pty started");
    const session = new ReconnectingPty(id, pty, {
      log,
      idleTimeoutMs: () => this.deps.context().idleTimeoutMs,
      openSession: () => this.deps.stats.open("pty"),
      onExit: () => {
        if (this.sessions.get(id) === session) this.sessions.delete(id);
      },
    });
    this.sessions.set(id, session);
    return session;
  }
}

function dimension(text: string | null, fallback: number): number | undefined {
  if (text === null || text === "") return fallback;
  const n = Number(text);
  return /^\d+$/.test(text) && n >= 1 && n <= 1000 ? n : undefined;
}
