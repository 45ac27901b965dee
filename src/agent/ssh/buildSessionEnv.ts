import type { LoginAccount } from "./loginAccount.js";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Variables of the agent's own environment that a session must never see:
 * the agent's credentials (DEN_AGENT_TOKEN, DEN_AGENT_URL) would let any
 * process in the workspace impersonate the agent, and the terminal and SSH
 * variables describe whatever started the agent, not this client.
 */
const NOT_INHERITED = new Set(["TERM", "SSH_AUTH_SOCK", "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY"]);

function inheritable(name: string): boolean {
  return !name.startsWith("DEN_AGENT_") && !NOT_INHERITED.has(name);
}

export type SessionEnvInput = {
  /** The agent's own environment: sessions inherit it like a login inherits sshd's. */
  inherited: Record<string, string | undefined>;
  account: LoginAccount;
  /** The workspace's session variables (DEN=true, DEN_WORKSPACE_NAME, …). */
  base: Record<string, string>;
  /** What the client sent with `env` requests (SendEnv / SetEnv). */
  requested: Record<string, string>;
  /** From the pty-req; absent for sessions without a terminal. */
  term?: string;
  /** The forwarded agent's socket when the client asked for `ssh -A`. */
  authSock?: string;
};

/** The environment of a session's process, later sources winning. */
export function buildSessionEnv(input: SessionEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.inherited)) {
    if (value !== undefined && inheritable(name)) env[name] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  env.HOME = input.account.home;
  env.USER = input.account.user;
  env.LOGNAME = input.account.user;
  env.SHELL = input.account.shell;
  // Tools (prompts, tmux, VS Code) look at these to know they run over SSH;
  // the tunnel has no client address to report, so they name the loopback.
  env.SSH_CLIENT = "127.0.0.1 0 0";
  env.SSH_CONNECTION = "127.0.0.1 0 127.0.0.1 0";
  Object.assign(env, input.base, input.requested);
  if (input.term !== undefined) env.TERM = input.term;
  if (input.authSock !== undefined) env.SSH_AUTH_SOCK = input.authSock;
  return env;
}
