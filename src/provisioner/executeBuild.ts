import type { BuildContext, ResourceState, TemplateFile } from "../drivers/driver.js";
import type { DriverRegistry } from "../drivers/registry.js";
import type { JobLogger } from "./jobLogger.js";
import type { AgentCredential, BuildJob, JobSource } from "./jobSource.js";
import { evaluateValue, type ExpressionScope } from "./template/expressions.js";
import type { TemplateSpec } from "./template/parseTemplate.js";
import { resourceOrder } from "./template/resourceGraph.js";
import { typedParameterValues } from "./template/parameterValues.js";
import { readTemplateFiles } from "./templateArchive.js";

export type BuildOutcome = { ok: true; state: ResourceState[] } | { ok: false; error: string; state: ResourceState[] };

type Deps = { drivers: DriverRegistry; logger: JobLogger; signal: AbortSignal; source: JobSource };

/**
 * Runs one workspace build against the drivers.
 * - start: keeps persistent resources that still exist, creates what is missing,
 *   and creates every ephemeral resource afresh (one left by a crash is replaced);
 * - stop: destroys the ephemeral resources, in reverse order;
 * - delete: destroys everything, in reverse order.
 * Every change to the state is recorded at once, so that a crash or a cancel
 * leaves a state the next build can converge from.
 */
export async function executeBuild(job: BuildJob, deps: Deps): Promise<BuildOutcome> {
  const template = job.spec as TemplateSpec;
  const state = new StateBook(job.state, (s) => deps.source.recordState(job.id, s));
  // Fetched and unpacked only when a driver asks, once per build.
  let files: Promise<ReadonlyMap<string, TemplateFile>> | undefined;
  const templateFiles = () => (files ??= deps.source.templateArchive(job.id).then((archive) => readTemplateFiles(archive)));
  const ctx = (): BuildContext => ({
    workspace: job.workspace,
    buildId: job.buildId,
    transition: job.transition,
    log: (level, text) => deps.logger.log(level, text),
    signal: deps.signal,
    recordState: (s) => state.put(s),
    templateFiles,
  });
  try {
    const order = resourceOrder(template);
    if (job.transition === "start") await start(job, template, order, state, ctx, deps);
    else await destroyAll(order, state, ctx, deps, job.transition === "stop" ? (s) => s.lifetime === "ephemeral" : () => true);
    deps.logger.startStage(job.transition === "start" ? "Workspace started" : job.transition === "stop" ? "Workspace stopped" : "Workspace deleted");
    return { ok: true, state: state.list() };
  } catch (err) {
    const message = deps.signal.aborted ? "the build was canceled" : (err as Error).message;
    deps.logger.log("error", message);
    return { ok: false, error: message, state: state.list() };
  }
}

async function start(job: BuildJob, template: TemplateSpec, order: string[], state: StateBook, ctx: () => BuildContext, deps: Deps): Promise<void> {
  // Ephemeral leftovers (a crash, a template that dropped a resource) go first.
  const declared = new Set(order);
  for (const s of [...state.list()].reverse()) {
    if (s.lifetime === "ephemeral") await destroyOne(s, state, ctx, deps, "Replacing");
    else if (!declared.has(s.name)) deps.logger.log("warn", `Resource ${s.name} is no longer in the template; it is kept and will be destroyed when the workspace is deleted.`);
  }
  const scope: ExpressionScope = {
    params: typedParameterValues(template.parameters, job.parameters),
    workspace: { id: job.workspace.id, name: job.workspace.name },
    owner: { username: job.workspace.ownerName, email: job.workspace.ownerEmail },
    transition: job.transition,
    resources: {},
  };
  for (const name of order) {
    deps.signal.throwIfAborted();
    const decl = template.resources[name]!;
    const driver = deps.drivers.get(decl.driver);
    const existing = state.get(name);
    if (existing && existing.driver === decl.driver && existing.kind === decl.kind && (await driver.exists(existing))) {
      deps.logger.log("info", `Keeping ${name} (${decl.driver}.${decl.kind})`);
      scope.resources[name] = existing.outputs;
      continue;
    }
    if (existing) await destroyOne(existing, state, ctx, deps, "Replacing");
    const agents = await registerAgents(job, template, name, scope, deps);
    deps.logger.startStage(`Creating ${name} (${decl.driver}.${decl.kind})`);
    const settings = evaluateValue(decl.settings, scope, { template, path: ["resources", name] }) as Record<string, unknown>;
    const created = await driver.create(ctx(), { name, kind: decl.kind, lifetime: decl.lifetime, settings, agents });
    await state.put(created);
    scope.resources[name] = created.outputs;
    for (const [key, value] of Object.entries(created.outputs)) deps.logger.log("debug", `${name}.${key} = ${String(value)}`);
  }
}

/** Evaluates and registers the agents that run in `resource`; the driver launches them. */
async function registerAgents(job: BuildJob, template: TemplateSpec, resource: string, scope: ExpressionScope, deps: Deps): Promise<AgentCredential[]> {
  const hosted = Object.entries(template.agents).filter(([, a]) => a.resource === resource);
  if (hosted.length === 0) return [];
  const regs = hosted.map(([name, agent]) => {
    const { resource: _r, ...rest } = agent;
    return { name, resource, spec: evaluateValue(rest, scope, { template, path: ["agents", name] }) as Record<string, unknown> };
  });
  return deps.source.registerAgents(job.id, regs);
}

async function destroyAll(order: string[], state: StateBook, ctx: () => BuildContext, deps: Deps, which: (s: ResourceState) => boolean): Promise<void> {
  // Reverse creation order; resources no longer declared go first.
  const rank = new Map(order.map((n, i) => [n, i]));
  const victims = state
    .list()
    .filter(which)
    .sort((a, b) => (rank.get(b.name) ?? Infinity) - (rank.get(a.name) ?? Infinity));
  for (const s of victims) {
    deps.signal.throwIfAborted();
    await destroyOne(s, state, ctx, deps, "Destroying");
  }
}

async function destroyOne(s: ResourceState, state: StateBook, ctx: () => BuildContext, deps: Deps, verb: string): Promise<void> {
  deps.logger.startStage(`${verb} ${s.name} (${s.driver}.${s.kind})`);
  await deps.drivers.get(s.driver).destroy(ctx(), s);
  await state.remove(s.name);
}

/** The build's resource state, written through to the job source on each change. */
class StateBook {
  private readonly byName = new Map<string, ResourceState>();
  constructor(
    initial: ResourceState[],
    private readonly persist: (state: ResourceState[]) => Promise<void>,
  ) {
    for (const s of initial) this.byName.set(s.name, s);
  }
  list(): ResourceState[] {
    return [...this.byName.values()];
  }
  get(name: string): ResourceState | undefined {
    return this.byName.get(name);
  }
  async put(s: ResourceState): Promise<void> {
    this.byName.set(s.name, s);
    await this.persist(this.list());
  }
  async remove(name: string): Promise<void> {
    this.byName.delete(name);
    await this.persist(this.list());
  }
}
