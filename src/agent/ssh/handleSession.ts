import { stat } from "node:fs/promises";
import type { ServerChannel, Session } from "ssh2";
import type { AgentForwarding } from "./AgentForwarding.js";
import { buildSessionEnv } from "./buildSessionEnv.js";
import type { CleanupScope } from "./CleanupScope.js";
import { loginAccount } from "./loginAccount.js";
import { serveSftp } from "./serveSftp.js";
import type { SshLog } from "./SshLog.js";
import { startSessionProcess, type PtyRequest, type SessionProcess } from "./startSessionProcess.js";

export type SessionType = "ssh" | "vscode";

/** What every session of one connection shares. */
export type SessionContext = {
  scope: CleanupScope;
  log: SshLog;
  /** The workspace's session variables (DEN=true, DEN_WORKSPACE_NAME, …). */
  env: Record<string, string>;
  /** The agent's own environment, which sessions inherit (minus its credentials). */
  inheritedEnv: Record<string, string | undefined>;
  directory: string;
  shell?: string;
  onSession?: (type: SessionType) => () => void;
  /** The connection's agent forwarding, started on the first request; undefined when it cannot be offered. */
  agentForwarding(): Promise<AgentForwarding> | undefined;
};

/**
 * VS Code Remote-SSH starts its server with a bootstrap command naming its
 * install directory (~/.vscode-server, or vscode-server in newer releases).
 */
export function sessionType(command: string | undefined): SessionType {
  return command !== undefined && /vscode-server/.test(command) ? "vscode" : "ssh";
}

/**
 * The agent's directory, or — like sshd when the home is missing — the
 * user's home or / with a warning, so that a deleted directory does not lock
 * the developer out of the workspace.
 */
async function workingDirectory(channel: ServerChannel, directory: string, home: string, onTerminal: boolean): Promise<string> {
  const isDirectory = (path: string) => stat(path).then((s) => s.isDirectory(), () => false);
  if (await isDirectory(directory)) return directory;
  const fallback = (await isDirectory(home)) ? home : "/";
  channel.stderr.write(`den: could not use ${directory} as the working directory; starting in ${fallback}${onTerminal ? "\r\n" : "\n"}`);
  return fallback;
}

/**
 * One SSH session channel: collects the requests that come before the
 * program (env, pty-req, auth-agent-req), then runs a login shell, a command
 * or the sftp subsystem, and passes window changes and signals on.
 */
export function handleSession(session: Session, ctx: SessionContext): void {
  const requestedEnv: Record<string, string> = {};
  let pty: PtyRequest | undefined;
  let wantsAgent = false;
  let program: SessionProcess | undefined;
  let ended = false;
  let done: (() => void) | undefined;

  const end = () => {
    if (ended) return;
    ended = true;
    unregister();
    program?.hangUp();
    done?.();
  };
  const unregister = ctx.scope.add(end);
  session.on("close", end);
  const started = (type: SessionType) => {
    done = ctx.onSession?.(type);
  };

  // accept/reject are undefined when the client sent the request without want-reply.
  session.on("env", (accept, _reject, info) => {
    requestedEnv[info.key] = info.val;
    accept?.();
  });
  session.on("pty", (accept, _reject, info) => {
    pty = { term: info.term || "xterm", cols: info.cols, rows: info.rows };
    accept?.();
  });
  session.on("window-change", (accept, _reject, info) => {
    if (pty) pty = { ...pty, cols: info.cols, rows: info.rows };
    program?.resize(info.cols, info.rows);
    accept?.();
  });
  session.on("signal", (accept, reject, info) => {
    if (program?.signal(info.name)) accept?.();
    else reject?.();
  });
  session.on("auth-agent", (accept, reject) => {
    if (ctx.agentForwarding() === undefined) {
      reject?.();
      return;
    }
    wantsAgent = true;
    accept?.();
  });

  const run = (channel: ServerChannel, command: string | undefined) => {
    started(sessionType(command));
    launch(channel, command).then(
      (p) => {
        program = p;
        if (ended) p.hangUp();
      },
      (err: unknown) => {
        ctx.log.warn({ err }, "ssh session failed to start");
        channel.stderr.write("den: the session could not start\n");
        channel.exit(255);
        channel.end();
      },
    );
  };
  const launch = async (channel: ServerChannel, command: string | undefined): Promise<SessionProcess> => {
    const account = await loginAccount(ctx.inheritedEnv);
    const agent = wantsAgent
      ? await ctx.agentForwarding()?.catch((err: unknown) => {
          ctx.log.warn({ err }, "ssh agent forwarding failed to start");
          return undefined;
        })
      : undefined;
    const env = buildSessionEnv({
      inherited: ctx.inheritedEnv,
      account,
      base: ctx.env,
      requested: requestedEnv,
      term: pty?.term,
      authSock: agent?.socketPath,
    });
    const shell = ctx.shell ?? account.shell;
    // An interactive shell is a login shell, as sshd starts it; a command runs through `shell -c`.
    const args = command === undefined ? ["-l"] : ["-c", command];
    const cwd = await workingDirectory(channel, ctx.directory, account.home, pty !== undefined);
    // The client may have gone while we looked things up: start nothing then.
    if (ended) return { resize: () => undefined, signal: () => false, hangUp: () => undefined };
    return startSessionProcess(channel, { file: shell, args, env, cwd, pty }, ctx.log);
  };

  // accept() returns nothing when the session closed in the meantime.
  session.on("shell", (accept) => {
    const channel = accept() as ServerChannel | undefined;
    if (channel) run(channel, undefined);
  });
  session.on("exec", (accept, _reject, info) => {
    const channel = accept() as ServerChannel | undefined;
    if (channel) run(channel, info.command);
  });
  session.on("sftp", (accept) => {
    const sftp = accept() as ReturnType<typeof accept> | undefined;
    if (sftp === undefined) return;
    started("ssh");
    serveSftp(sftp, ctx.directory, ctx.log);
  });
}
