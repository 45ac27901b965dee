import { createServer, connect as netConnect, type Server } from "node:net";
import type { Duplex } from "node:stream";
import { constants as osConstants } from "node:os";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import type { Relay } from "./agentConnection.js";
import type { CliIo } from "./context.js";
import { CliError } from "./errors.js";
import type { LocalForwardSpec, RemoteForwardSpec } from "./forwardSpec.js";

export type SshSessionOptions = {
  io: CliIo;
  /** Run this command (exec); without it, a login shell. */
  command?: string;
  localForwards: LocalForwardSpec[];
  remoteForwards: RemoteForwardSpec[];
  /** Notes for people (forwards set up, their failures): stderr. */
  note: (line: string) => void;
};

type TtyStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

/** An SSH client connection over the relay: ssh2 with the relay's stream as its socket. */
export function connectSsh(relay: Relay, username: string, agentSocket: string | undefined): Promise<Client> {
  const conn = new Client();
  const config: ConnectConfig = {
    sock: relay.stream,
    username,
    // The relay is authenticated and authorized by the server, and the agent
    // accepts the \`none\` method; the host key is not published by the API,
    // so there is nothing to verify it against.
    hostVerifier: () => true,
    readyTimeout: 60_000,
    keepaliveInterval: 30_000,
    ...(agentSocket ? { agent: agentSocket, agentForward: true } : {}),
  };
  return new Promise((resolve, reject) => {
    conn.once("ready", () => {
      conn.removeAllListeners("error");
      resolve(conn);
    });
    // A relay the server refused fails with its reason rather than ssh2's view of a closed socket.
    conn.once("error", (err) => {
      relay.stream.destroy();
      void relay.ended.then((reason) => reject(reason ?? sshError(err)));
    });
    conn.connect(config);
  });
}

/**
 * Runs a shell or a command on the connection and answers its exit code:
 * the remote status, 128 + the signal's number when it was killed, 255 when
 * the connection ended without a status (as OpenSSH does).
 */
export async function runSshSession(conn: Client, opts: SshSessionOptions): Promise<number> {
  const { io } = opts;
  // After login, a lost relay ends the session (close) with this as its reason.
  conn.on("error", (err) => opts.note(sshError(err).message));
  const servers: Server[] = [];
  const stdout = io.stdout as TtyStream;
  const interactive = opts.command === undefined && io.stdin.isTTY === true;
  let channel: ClientChannel;
  try {
    for (const spec of opts.localForwards) servers.push(await listenLocalForward(conn, spec, opts.note));
    for (const spec of opts.remoteForwards) await startRemoteForward(conn, spec, opts.note);
    channel = await openChannel(conn, opts.command, interactive ? { term: io.env.TERM || "xterm-256color", rows: stdout.rows ?? 24, cols: stdout.columns ?? 80 } : undefined);
  } catch (err) {
    // Nothing may keep the process alive after the error is reported.
    for (const server of servers) server.close();
    conn.end();
    throw err;
  }

  let code: number | undefined;
  channel.on("exit", (status: number | null, signal?: string) => {
    if (typeof status === "number") code = status;
    else if (signal) code = 128 + ((osConstants.signals as Record<string, number>)[`SIG${signal}`] ?? 0);
  });

  const onResize = () => channel.setWindow(stdout.rows ?? 24, stdout.columns ?? 80, 0, 0);
  const stdin = io.stdin as NodeJS.ReadableStream & { setRawMode?: (raw: boolean) => unknown; destroy?: () => void };
  if (interactive) {
    stdin.setRawMode?.(true);
    process.on("SIGWINCH", onResize);
  }
  stdin.pipe(channel);
  channel.pipe(io.stdout, { end: false });
  channel.stderr.pipe(io.stderr, { end: false });

  await new Promise<void>((resolve) => {
    channel.once("close", resolve);
    conn.once("close", resolve);
  });

  stdin.unpipe(channel);
  if (interactive) {
    stdin.setRawMode?.(false);
    process.off("SIGWINCH", onResize);
  }
  // A terminal on stdin would keep the process alive after the session ends.
  stdin.pause();
  for (const server of servers) server.close();
  conn.end();
  return code ?? 255;
}

/** Runs a command and answers its output; for `den open` and the like. */
export async function captureSshCommand(conn: Client, command: string): Promise<{ code: number; stdout: string }> {
  const channel = await openChannel(conn, command, undefined);
  let stdout = "";
  let code = 255;
  channel.on("data", (c: Buffer) => (stdout += c.toString()));
  channel.stderr.resume();
  channel.on("exit", (status: number | null) => (code = status ?? 255));
  channel.end();
  await new Promise<void>((resolve) => channel.once("close", resolve));
  return { code, stdout };
}

function openChannel(conn: Client, command: string | undefined, pty: { term: string; rows: number; cols: number } | undefined): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | undefined, channel: ClientChannel) => (err ? reject(new CliError(`the workspace refused the session: ${err.message}`)) : resolve(channel));
    if (command === undefined) conn.shell(pty ?? false, done);
    else conn.exec(command, done);
  });
}

/** `-L`: a local listener whose connections become direct-tcpip channels. */
function listenLocalForward(conn: Client, spec: LocalForwardSpec, note: (line: string) => void): Promise<Server> {
  const server = createServer((socket) => {
    conn.forwardOut(socket.remoteAddress ?? "127.0.0.1", socket.remotePort ?? 0, spec.host, spec.remotePort, (err, channel) => {
      if (err) {
        note(`-L ${spec.localPort}: the workspace could not reach ${spec.host}:${spec.remotePort}: ${err.message}`);
        return void socket.destroy();
      }
      pipeBoth(socket, channel);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(new CliError(`-L: cannot listen on ${spec.bind}:${spec.localPort}: ${err.message}`)));
    server.listen(spec.localPort, spec.bind, () => resolve(server));
  });
}

/** `-R`: the workspace listens on RPORT and each connection comes back as a channel to HOST:LPORT here. */
async function startRemoteForward(conn: Client, spec: RemoteForwardSpec, note: (line: string) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    conn.forwardIn("127.0.0.1", spec.remotePort, (err) => (err ? reject(new CliError(`-R ${spec.remotePort}: the workspace refused to listen: ${err.message}`)) : resolve()));
  });
  conn.on("tcp connection", (info, accept, reject) => {
    if (info.destPort !== spec.remotePort) return;
    const socket = netConnect(spec.localPort, spec.host);
    socket.once("connect", () => pipeBoth(socket, accept()));
    socket.once("error", (err) => {
      note(`-R ${spec.remotePort}: cannot reach ${spec.host}:${spec.localPort} here: ${err.message}`);
      reject();
    });
  });
}

/** Both ways, each direction ending on its own. */
function pipeBoth(socket: Duplex, channel: Duplex): void {
  socket.pipe(channel);
  channel.pipe(socket);
  socket.on("error", () => channel.destroy());
  channel.on("error", () => socket.destroy());
  socket.on("close", () => channel.destroy());
  channel.on("close", () => socket.destroy());
}

function sshError(err: Error): CliError {
  return err instanceof CliError ? err : new CliError(`SSH to the workspace failed: ${err.message}`);
}
