import { InvalidArgumentError, type Command } from "commander";
import type { Workspace } from "../../sdk/schemas/workspaces.js";
import { CommandContext, type CliIo } from "../context.js";
import { formatRelative, renderJson, renderTable, type Column } from "../output.js";
import { formatWorkspaceRef } from "../workspaceRef.js";

type ListOptions = { all?: boolean; search?: string; limit: number };

export function listCommand(program: Command, io: CliIo): void {
  program
    .command("list")
    .alias("ls")
    .summary("List your workspaces.")
    .description("List your workspaces with their status, template and latest build; --all lists everyone's you may see.")
    .option("-a, --all", "workspaces of every owner (owners see all)")
    .option("--search <query>", "filters: owner:<user|me> status:<status> template:<name> name:<part>, or a part of the name")
    .option("--limit <n>", "how many to show (1-500)", parseLimit, 50)
    .addHelpText(
      "after",
      `
Statuses: pending, starting, running, stopping, stopped, failed, canceling, canceled, deleting.

Examples:
  $ den list
  $ den list --all --search "status:running template:local-dev"
  $ den list -o json`,
    )
    .action(async (opts: ListOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      // A search that names an owner decides whose workspaces; otherwise only yours unless --all.
      const ownerGiven = /(^|\s)owner:/i.test(opts.search ?? "");
      const q = [opts.all || ownerGiven ? "" : "owner:me", opts.search ?? ""].filter(Boolean).join(" ");
      const page = await ctx.client().workspaces.list({ q: q || undefined, limit: opts.limit });
      if (ctx.options.output === "json") {
        ctx.print(renderJson(page.workspaces));
        return;
      }
      if (page.workspaces.length === 0) {
        io.stderr.write(opts.all || opts.search ? "No workspaces match.\n" : "You have no workspaces yet: create one with `den create NAME -t TEMPLATE`.\n");
        return;
      }
      ctx.print(renderTable(page.workspaces, workspaceColumns()));
      if (page.count > page.workspaces.length) io.stderr.write(`Showing ${page.workspaces.length} of ${page.count} workspaces; use --limit or --search.\n`);
    });
}

function workspaceColumns(): Column<Workspace>[] {
  const now = Date.now();
  return [
    { header: "workspace", value: (w) => formatWorkspaceRef(w) },
    { header: "template", value: (w) => w.template_name },
    { header: "status", value: (w) => w.status },
    { header: "last build", value: (w) => `#${w.latest_build.build_number} ${w.latest_build.transition}, ${formatRelative(w.latest_build.created_at, now)}` },
    { header: "outdated", value: (w) => (w.outdated ? "yes" : "no") },
  ];
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 500) throw new InvalidArgumentError("must be a whole number from 1 to 500.");
  return n;
}
