import { CliError } from "./errors.js";

export const DEN_BLOCK_START = "# ------------START-DEN-----------";
export const DEN_BLOCK_END = "# ------------END-DEN-----------";

/** The host name prefix OpenSSH (and VS Code Remote-SSH) know a workspace by: `den.<workspace>`. */
export const SSH_HOST_PREFIX = "den.";

/** One workspace of the user. */
export type SshHostEntry = { owner: string; workspace: string };

/** What the ProxyCommand runs: this node, this den entry point, this config dir. */
export type DenInvocation = { node: string; den: string; configDir: string };

/** Workspace and user names are DNS labels; anything else would be a line or an option in ssh_config. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/**
 * Characters a path may have to be written into a ProxyCommand, which
 * OpenSSH expands (`%`) and hands to a shell: everything else (quotes, `$`,
 * backquote, backslash, `%`, newlines) is refused rather than escaped.
 */
const PATH = /^\/[A-Za-z0-9_/.+,:@=~ -]*$/;

export function sshHostName(entry: SshHostEntry): string {
  return `${SSH_HOST_PREFIX}${entry.workspace}`;
}

/**
 * The marked block: one `Host den.<workspace>` per workspace, each reached
 * through `den ssh --stdio` (the relay is authenticated by the stored
 * session, so host keys are not checked: the API does not publish them).
 */
export function renderDenBlock(entries: SshHostEntry[], den: DenInvocation): string {
  checkPath("node", den.node);
  checkPath("den", den.den);
  checkPath("config dir", den.configDir);
  const proxy = [quote(den.node), quote(den.den), "--global-config", quote(den.configDir), "ssh", "--stdio"].join(" ");
  const lines = [DEN_BLOCK_START, "# Written by `den config-ssh`; run it again after creating or deleting workspaces. Edits inside this block are lost."];
  for (const entry of [...entries].sort((a, b) => a.workspace.localeCompare(b.workspace))) {
    checkName("workspace name", entry.workspace);
    checkName("user name", entry.owner);
    lines.push(
      `Host ${sshHostName(entry)}`,
      `  ProxyCommand ${proxy} ${entry.owner}/${entry.workspace}`,
      `  User ${entry.owner}`,
      "  StrictHostKeyChecking no",
      "  UserKnownHostsFile /dev/null",
      "  LogLevel ERROR",
    );
  }
  lines.push(DEN_BLOCK_END);
  return lines.join("\n") + "\n";
}

/**
 * The file with its Den block replaced by `block` (or appended after a blank
 * line when it has none). Everything outside the markers stays as it was,
 * byte for byte; only a missing final newline is added before an appended block.
 */
export function replaceDenBlock(file: string, block: string): string {
  const found = findDenBlock(file);
  if (found) return file.slice(0, found.start) + block + file.slice(found.end);
  if (file === "") return block;
  return file + (file.endsWith("\n") ? "\n" : "\n\n") + block;
}

/** Where the block is: from its start marker's line to after its end marker's line (and newline). */
export function findDenBlock(file: string): { start: number; end: number; text: string } | undefined {
  const start = lineStartOf(file, DEN_BLOCK_START);
  if (start < 0) return undefined;
  const endMarker = lineStartOf(file, DEN_BLOCK_END, start);
  if (endMarker < 0) throw new CliError(`the SSH config has "${DEN_BLOCK_START}" but no "${DEN_BLOCK_END}" after it: fix the file by hand`);
  const newline = file.indexOf("\n", endMarker);
  const end = newline < 0 ? file.length : newline + 1;
  return { start, end, text: file.slice(start, end) };
}

/** The offset of a line that is exactly `marker` (leading/trailing blanks allowed), or -1. */
function lineStartOf(file: string, marker: string, from = 0): number {
  let at = from;
  for (;;) {
    const hit = file.indexOf(marker, at);
    if (hit < 0) return -1;
    const lineStart = file.lastIndexOf("\n", hit - 1) + 1;
    const lineEnd = file.indexOf("\n", hit);
    const line = file.slice(lineStart, lineEnd < 0 ? file.length : lineEnd);
    if (line.trim() === marker && lineStart >= from) return lineStart;
    at = hit + marker.length;
  }
}

function checkName(what: string, value: string): void {
  if (!NAME.test(value)) throw new CliError(`cannot write an SSH config entry: the ${what} ${JSON.stringify(value)} has characters outside A-Z a-z 0-9 _ -`);
}

function checkPath(what: string, value: string): void {
  if (!PATH.test(value)) {
    throw new CliError(`cannot write an SSH config entry: the ${what} path ${JSON.stringify(value)} is not absolute or has characters outside A-Z a-z 0-9 / . _ - + , : @ = ~ and space`);
  }
}

/** Inside double quotes the safe set above has nothing the shell would expand. */
function quote(path: string): string {
  return `"${path}"`;
}
