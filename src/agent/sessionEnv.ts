import type { AgentManifest } from "../sdk/schemas/agentProtocol.js";
import { shellQuote, type AgentBinDir } from "./agentBinDir.js";
import type { UserAccount } from "./userAccount.js";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The agent's own settings (DEN_AGENT_TOKEN, DEN_AGENT_URL, …) must not reach
 * sessions: with them any process in the workspace could pose as the agent.
 */
const isPrivate = (name: string) => name.startsWith("DEN_AGENT_");

/**
 * The environment of every session the agent starts (SSH, PTY, scripts,
 * metadata), from lowest to highest precedence:
 *
 * 1. the agent's own environment, without its DEN_AGENT_* settings;
 * 2. HOME, USER, LOGNAME, SHELL and PATH filled in from the account when
 *    missing (a driver may set HOME to the workspace's home on purpose, so a
 *    set value is kept);
 * 3. Den's variables: DEN=true, DEN_WORKSPACE_NAME, DEN_WORKSPACE_OWNER,
 *    DEN_WORKSPACE_OWNER_EMAIL, DEN_WORKSPACE_ID, DEN_AGENT_NAME, DEN_AGENT_ID,
 *    and the git hooks (`den gitssh --` as GIT_SSH_COMMAND, `den gitaskpass`
 *    through GIT_ASKPASS) for the git-auth work to fill in;
 * 4. the template's `env` for the agent, which has the last word.
 */
export function sessionEnv(manifest: AgentManifest, base: NodeJS.ProcessEnv, account: UserAccount, bin: AgentBinDir): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !isPrivate(key)) env[key] = value;
  }
  env.HOME ||= account.home;
  env.USER ||= account.name;
  env.LOGNAME ||= env.USER;
  env.SHELL ||= account.shell;
  env.PATH = `${bin.path}:${env.PATH || DEFAULT_PATH}`;
  Object.assign(env, {
    DEN: "true",
    DEN_WORKSPACE_NAME: manifest.workspace_name,
    DEN_WORKSPACE_ID: manifest.workspace_id,
    DEN_WORKSPACE_OWNER: manifest.owner_name,
    DEN_WORKSPACE_OWNER_EMAIL: manifest.owner_email,
    DEN_AGENT_NAME: manifest.agent_name,
    DEN_AGENT_ID: manifest.agent_id,
    GIT_SSH_COMMAND: `${shellQuote(bin.den)} gitssh --`,
    GIT_ASKPASS: bin.gitAskpass,
  });
  Object.assign(env, manifest.env);
  return env;
}
