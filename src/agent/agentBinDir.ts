import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A directory of small launchers put first on every session's PATH, so that
 * `den` is at hand inside the workspace whatever the image (metadata scripts
 * call `den stat …`) and git's hooks have fixed paths:
 *
 * - `den` runs the same `den` as the agent;
 * - `den-git-askpass` runs `den gitaskpass <prompt>`. GIT_ASKPASS must name
 *   one executable (git does not run it through a shell), hence a file.
 */
export type AgentBinDir = { path: string; den: string; gitAskpass: string; remove(): void };

export function createAgentBinDir(denCommand: string[]): AgentBinDir {
  const path = mkdtempSync(join(tmpdir(), "den-agent-bin-"));
  const den = join(path, "den");
  const gitAskpass = join(path, "den-git-askpass");
  writeFileSync(den, `#!/bin/sh\nexec ${denCommand.map(shellQuote).join(" ")} "$@"\n`);
  writeFileSync(gitAskpass, `#!/bin/sh\nexec ${shellQuote(den)} gitaskpass "$@"\n`);
  chmodSync(den, 0o755);
  chmodSync(gitAskpass, 0o755);
  return { path, den, gitAskpass, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Quotes `word` for /bin/sh: single quotes, with each ' written as '\''. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
