import type { Command } from "commander";
import { spawn } from "node:child_process";
import { openAgentRelay } from "../agentConnection.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { SSH_HOST_PREFIX } from "../sshConfigBlock.js";
import { waitForAgent } from "../waitForAgent.js";
import { SSH_TARGET_ARGUMENT } from "./ssh.js";

type OpenOptions = { dir?: string; open: boolean };

export function openCommand(program: Command, io: CliIo): void {
  const open = program.command("open").summary("Open a workspace in a local application.");
  open
    .command("vscode")
    .summary("Open a workspace in VS Code (Remote-SSH), through `den config-ssh`'s host entry.")
    .description(
      "Prints the vscode:// link that opens the workspace in VS Code's Remote-SSH, and opens it when a desktop is available. " +
        "It uses the `den.<workspace>` host that `den config-ssh` writes, so run that first.",
    )
    .argument("<workspace>", SSH_TARGET_ARGUMENT)
    .option("--dir <path>", "folder to open (default: the agent's directory, asked over SSH)")
    .option("--no-open", "only print the link")
    .addHelpText("after", "\nExamples:\n  $ den config-ssh --yes && den open vscode dev")
    .action(async (target: string, opts: OpenOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const { workspace, agent } = await waitForAgent(client, target, { wait: true, timeoutMs: 5 * 60_000, progress: io.stderr });
      let dir = opts.dir;
      if (dir === undefined) {
        const { connectSsh, captureSshCommand } = await import("../sshSession.js");
        const conn = await connectSsh(await openAgentRelay(client, agent.id, "ssh"), workspace.owner_name, undefined);
        try {
          const pwd = await captureSshCommand(conn, "pwd");
          if (pwd.code !== 0) throw new CliError("could not find the agent's directory: pass --dir");
          dir = pwd.stdout.trim();
        } finally {
          conn.end();
        }
      }
      if (!dir.startsWith("/")) throw new CliError(`--dir: "${dir}" is not an absolute path`);
      const uri = vscodeUri(workspace.name, dir);
      ctx.print(`${uri}\n`);
      if (opts.open && (io.env.DISPLAY || io.env.WAYLAND_DISPLAY)) {
        // Best effort: without xdg-open (or a handler for vscode://), the printed link is the answer.
        const child = spawn("xdg-open", [uri], { stdio: "ignore", detached: true });
        child.on("error", () => undefined);
        child.unref();
      }
    });
}

/** `vscode://vscode-remote/ssh-remote+den.<ws>/<dir>`, the folder's path segments escaped. */
export function vscodeUri(workspace: string, dir: string): string {
  const path = dir.split("/").map(encodeURIComponent).join("/");
  return `vscode://vscode-remote/ssh-remote+${SSH_HOST_PREFIX}${workspace}${path}`;
}
