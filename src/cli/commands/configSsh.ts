import type { Command } from "commander";
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { Prompter } from "../prompter.js";
import { findDenBlock, renderDenBlock, replaceDenBlock, sshHostName, type SshHostEntry } from "../sshConfigBlock.js";

type ConfigSshOptions = { sshConfigFile?: string; yes?: boolean; dryRun?: boolean };

/** More than anyone has; the API pages at this size. */
const PAGE = 100;

export function configSshCommand(program: Command, io: CliIo): void {
  program
    .command("config-ssh")
    .summary("Add your workspaces to your SSH config, for ssh, scp, rsync and VS Code.")
    .description(
      "Writes a block between `# ------------START-DEN-----------` and `# ------------END-DEN-----------` into your SSH config " +
        "with a `Host den.<workspace>` entry for each of your own workspaces, reached through `den ssh --stdio`. " +
        "The rest of the file is left as it is; running it again updates the block (and drops deleted workspaces). " +
        "Other users' workspaces are not written: reach them with `den ssh OWNER/NAME`.",
    )
    .option("--ssh-config-file <path>", "the SSH config to update", join(io.env.HOME || homedir(), ".ssh", "config"))
    .option("-y, --yes", "write without asking")
    .option("--dry-run", "show the change and write nothing")
    .addHelpText("after", "\nExamples:\n  $ den config-ssh\n  $ ssh den.dev\n  $ rsync -a ./src den.dev:src")
    .action(async (opts: ConfigSshOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const path = resolve(opts.sshConfigFile!);
      const entries: SshHostEntry[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await client.workspaces.list({ q: "owner:me", limit: PAGE, offset });
        entries.push(...page.workspaces.map((ws) => ({ owner: ws.owner_name, workspace: ws.name })));
        if (page.workspaces.length < PAGE) break;
      }
      if (!ctx.config.read("session")) {
        io.stderr.write("den: warning: no stored session in the config dir; the entries need `den login` to work\n");
      }
      const block = renderDenBlock(entries, { node: process.execPath, den: resolve(process.argv[1] ?? ""), configDir: ctx.config.dir });
      const before = readConfig(path);
      const after = replaceDenBlock(before, block);
      if (after === before) return ctx.print(`${path} is up to date (${describeHosts(entries)}).\n`);

      io.stderr.write(`Changes to ${path}:\n${lineDiff(findDenBlock(before)?.text ?? "", block)}`);
      if (opts.dryRun) return void io.stderr.write("Dry run: nothing written.\n");
      if (!opts.yes) {
        if (!io.stdin.isTTY) throw new CliError("stdin is not a terminal, so den cannot ask: pass --yes to write the SSH config");
        const prompter = new Prompter({ input: io.stdin, output: io.stderr });
        const answer = await prompter.ask(`Update ${path}? [y/N]`).finally(() => prompter.close());
        if (!/^y(es)?$/i.test(answer)) throw new CliError("nothing written");
      }
      writeConfig(path, after);
      ctx.print(`Updated ${path}: ${describeHosts(entries)}.\n`);
    });
}

function describeHosts(entries: SshHostEntry[]): string {
  if (entries.length === 0) return "no workspaces";
  return entries.map((e) => `ssh ${sshHostName(e)}`).join(", ");
}

function readConfig(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Through a temporary file and a rename, so that ssh never reads half a config; the file's mode is kept. */
function writeConfig(path: string, text: string): void {
  let mode = 0o600;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  }
  const tmp = `${path}.den-${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

/** A minimal line diff (longest common subsequence) of two small blocks, `-`/`+`/` ` per line. */
export function lineDiff(before: string, after: string): string {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const b = after === "" ? [] : after.replace(/\n$/, "").split("\n");
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i++]}`);
      j++;
    } else if (j < b.length && (i >= a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+ ${b[j++]}`);
    else out.push(`- ${a[i++]}`);
  }
  return out.map((l) => l + "\n").join("");
}
