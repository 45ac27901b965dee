import type { Command } from "commander";
import type { Workspace } from "../../sdk/schemas/workspaces.js";
import { CommandContext, type CliIo } from "../context.js";
import { formatRelative, renderDetails, renderJson, renderTable } from "../output.js";
import { findWorkspace, formatWorkspaceRef, WORKSPACE_ARGUMENT } from "../workspaceRef.js";

export function showCommand(program: Command, io: CliIo): void {
  program
    .command("show")
    .summary("Show a workspace: status, resources, agents, parameters, latest build.")
    .description("Show one workspace: its status, the resources of its latest build with their outputs, its agents, its parameters and its latest build.")
    .argument("<workspace>", WORKSPACE_ARGUMENT)
    .addHelpText("after", "\nExamples:\n  $ den show dev\n  $ den show alice/dev -o json")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const ws = await findWorkspace(ctx.client(), ref);
      ctx.print(ctx.options.output === "json" ? renderJson(ws) : renderWorkspace(ws));
    });
}

/** The people's view of a workspace, in sections. */
export function renderWorkspace(ws: Workspace, now = Date.now()): string {
  const build = ws.latest_build;
  const parts: string[] = [];
  parts.push(
    renderDetails([
      ["Workspace", formatWorkspaceRef(ws)],
      ["Status", ws.status],
      ["Template", `${ws.template_name} (version ${build.template_version_name}${ws.outdated ? ", outdated: `den update` moves to the active version" : ""})`],
      ["Created", formatRelative(ws.created_at, now)],
      ["Latest build", `#${build.build_number} ${build.transition}, ${build.job.status}, by ${build.initiator_name || "-"} ${formatRelative(build.created_at, now)}`],
      ...(build.job.error ? ([["Error", build.job.error]] as Array<[string, string]>) : []),
    ]),
  );
  parts.push("\nResources:\n");
  parts.push(
    build.resources.length === 0
      ? "  (none)\n"
      : renderTable(build.resources, [
          { header: "name", value: (r) => r.name },
          { header: "driver", value: (r) => r.driver },
          { header: "kind", value: (r) => r.kind },
          { header: "lifetime", value: (r) => r.lifetime },
          { header: "outputs", value: (r) => Object.entries(r.outputs).map(([k, v]) => `${k}=${String(v)}`).join(" ") },
        ]),
  );
  parts.push("\nAgents:\n");
  parts.push(
    ws.agents.length === 0
      ? "  (none)\n"
      : renderTable(ws.agents, [
          { header: "name", value: (a) => a.name },
          { header: "resource", value: (a) => a.resource_name },
          { header: "status", value: (a) => a.status },
          { header: "lifecycle", value: (a) => a.lifecycle_state },
        ]),
  );
  parts.push("\nParameters:\n");
  parts.push(
    build.parameters.length === 0
      ? "  (none)\n"
      : renderTable(build.parameters, [
          { header: "name", value: (p) => p.name },
          { header: "value", value: (p) => p.value },
        ]),
  );
  return parts.join("");
}
