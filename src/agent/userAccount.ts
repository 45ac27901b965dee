import { accessSync, constants } from "node:fs";
import { userInfo } from "node:os";

/** Who the agent runs as, for the sessions it starts. */
export type UserAccount = { name: string; home: string; shell: string };

/**
 * The account of the agent's user: from the password database (/etc/passwd
 * or NSS, through getpwuid), then from the environment, then safe defaults.
 * A container may run under a uid that has no passwd entry at all.
 */
export function currentUserAccount(env: NodeJS.ProcessEnv): UserAccount {
  let entry: { username: string; homedir: string; shell: string | null } | undefined;
  try {
    entry = userInfo();
  } catch {
    entry = undefined;
  }
  const shell = [entry?.shell, env.SHELL, "/bin/bash", "/bin/sh"].find((s): s is string => !!s && isExecutable(s)) ?? "/bin/sh";
  return {
    name: entry?.username || env.USER || env.LOGNAME || String(process.getuid?.() ?? "user"),
    home: entry?.homedir || env.HOME || "/",
    shell,
  };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
