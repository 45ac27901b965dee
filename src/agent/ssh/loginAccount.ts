import { readFile } from "node:fs/promises";

/** The account sessions run as: always the agent's own OS user. */
export type LoginAccount = { user: string; home: string; shell: string };

/**
 * Looks up the login shell and home of the agent's user the way sshd does:
 * the /etc/passwd entry for the current uid, then $SHELL, then /bin/sh.
 * Read on each session (a small file, asynchronously) so that a `chsh` inside
 * the workspace takes effect without restarting the agent.
 */
export async function loginAccount(env: Record<string, string | undefined>, passwdPath = "/etc/passwd"): Promise<LoginAccount> {
  const uid = process.getuid?.() ?? -1;
  const entry = await readFile(passwdPath, "utf8").then(
    (text) => findPasswdEntry(text, uid),
    () => undefined,
  );
  return {
    user: nonEmpty(entry?.user) ?? nonEmpty(env.USER) ?? String(uid),
    home: nonEmpty(entry?.home) ?? nonEmpty(env.HOME) ?? "/",
    shell: nonEmpty(entry?.shell) ?? nonEmpty(env.SHELL) ?? "/bin/sh",
  };
}

/** The passwd line (name:pw:uid:gid:gecos:home:shell) whose uid matches. */
export function findPasswdEntry(text: string, uid: number): LoginAccount | undefined {
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields.length < 7 || fields[2] === "" || Number(fields[2]) !== uid) continue;
    return { user: fields[0] ?? "", home: fields[5] ?? "", shell: (fields[6] ?? "").trim() };
  }
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
