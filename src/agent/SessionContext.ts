import type { AgentManifest } from "../sdk/schemas/agentProtocol.js";
import type { AgentBinDir } from "./agentBinDir.js";
import type { PtyContext } from "./pty/PtySessions.js";
import type { ScriptContext } from "./scripts/ScriptRunner.js";
import { sessionEnv } from "./sessionEnv.js";
import { currentUserAccount, type UserAccount } from "./userAccount.js";
import { prepareWorkspaceDirectory } from "./workspaceDirectory.js";

/**
 * What every session is started with, derived from the current manifest:
 * the workspace directory, the session environment and the shell. A new
 * manifest (the server sends one on every connection) applies to sessions
 * started after it.
 */
export class SessionContext {
  private current: { manifest: AgentManifest; directory: string; env: Record<string, string> } | undefined;
  private readonly account: UserAccount;

  constructor(
    private readonly baseEnv: NodeJS.ProcessEnv,
    private readonly bin: AgentBinDir,
  ) {
    this.account = currentUserAccount(baseEnv);
  }

  get manifest(): AgentManifest | undefined {
    return this.current?.manifest;
  }

  /** Applies `manifest`; returns a problem with its directory, if any, for the logs. */
  update(manifest: AgentManifest): string | undefined {
    const env = sessionEnv(manifest, this.baseEnv, this.account, this.bin);
    const directory = prepareWorkspaceDirectory(manifest.directory, env.HOME ?? this.account.home);
    this.current = { manifest, directory: directory.path, env };
    return directory.error;
  }

  scripts(): ScriptContext {
    const current = this.require();
    return { cwd: current.directory, env: current.env };
  }

  pty(): PtyContext {
    const current = this.require();
    return { cwd: current.directory, env: current.env, shell: this.account.shell, idleTimeoutMs: current.manifest.pty_idle_timeout * 1000 };
  }

  ssh(): { hostKey: string; env: Record<string, string>; directory: string } {
    const current = this.require();
    return { hostKey: current.manifest.ssh_host_key, env: current.env, directory: current.directory };
  }

  private require(): NonNullable<SessionContext["current"]> {
    // Sessions wait on the login gate, which opens only after the first manifest.
    if (!this.current) throw new Error("no manifest yet");
    return this.current;
  }
}
