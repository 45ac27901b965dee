import type { CreateWorkspaceBuildRequest, Workspace, WorkspaceBuild } from "../sdk/schemas/workspaces.js";
import type { CommandContext } from "./context.js";
import { followBuild } from "./followBuild.js";
import { renderJson } from "./output.js";
import { resolveParameters } from "./parameterPrompt.js";
import { Prompter } from "./prompter.js";

/**
 * Asks for a build of a workspace and follows it to its end. With -o json the
 * log goes to stderr and stdout gets only the workspace afterwards.
 */
export async function requestBuild(ctx: CommandContext, ws: Workspace, req: CreateWorkspaceBuildRequest, opts: { printJson?: boolean } = {}): Promise<WorkspaceBuild> {
  const client = ctx.client();
  const build = await client.workspaces.createBuild(ws.id, req);
  const json = ctx.options.output === "json";
  const ended = await followBuild(client, build, json ? ctx.io.stderr : ctx.io.stdout);
  if (json && opts.printJson !== false) ctx.print(renderJson(await client.workspaces.get(ws.id, { includeDeleted: true })));
  return ended;
}

/** The log destination of commands that follow builds: stdout, or stderr when stdout carries JSON. */
export function progressStream(ctx: CommandContext): NodeJS.WritableStream {
  return ctx.options.output === "json" ? ctx.io.stderr : ctx.io.stdout;
}

/**
 * The parameter values to send with a start build on `versionId`: the
 * --parameter flags, checked locally against that version with the previous
 * build's values; on a terminal, parameters new in that version that need a
 * value are asked for.
 */
export async function startParameters(
  ctx: CommandContext,
  ws: Workspace,
  versionId: string,
  given: Record<string, string>,
): Promise<Array<{ name: string; value: string }>> {
  const specs = await ctx.client().templates.versionParameters(versionId);
  const previous = Object.fromEntries(ws.latest_build.parameters.map((p) => [p.name, p.value]));
  const prompter = ctx.io.stdin.isTTY === true ? new Prompter({ input: ctx.io.stdin, output: ctx.io.stderr }) : undefined;
  let resolved: Record<string, string>;
  try {
    resolved = await resolveParameters(specs, given, {
      prompter,
      askAll: false,
      previous,
      transition: versionId === ws.latest_build.template_version_id ? "start" : "update",
    });
  } finally {
    prompter?.close();
  }
  // Send what the user gave or was asked; the server carries the rest over, as checked above.
  return Object.entries(resolved)
    .filter(([name, value]) => Object.hasOwn(given, name) || previous[name] !== value)
    .map(([name, value]) => ({ name, value }));
}
