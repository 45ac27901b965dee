import type { TemplateError } from "../../sdk/schemas/templates.js";
import type { Position, TemplateSpec } from "./TemplateSpec.js";

/**
 * Which resources must exist before which. A resource that reads
 * resources.X.<output> (in its settings, or in an agent that runs in it)
 * or names X in depends_on is created after X and destroyed before it.
 */

/** `from` needs `to`, because of the reference at `position`. */
export type ResourceReference = { from: string; to: string; position: Position };

export type ResolvedDependencies = { dependsOn: Record<string, string[]>; errors: TemplateError[] };

/**
 * Checks references against the declared resources (in declaration order)
 * and finds cycles. Every problem is reported at the reference that causes it.
 */
export function resolveDependencies(names: readonly string[], references: readonly ResourceReference[]): ResolvedDependencies {
  const errors: TemplateError[] = [];
  const known = new Set(names);
  const edges = new Map<string, Map<string, Position>>(names.map((name) => [name, new Map()]));
  for (const ref of references) {
    if (!known.has(ref.to)) {
      errors.push({ ...ref.position, message: `unknown resource "${ref.to}": the template declares ${describeNames(names)}` });
      continue;
    }
    if (ref.from === ref.to) {
      errors.push({ ...ref.position, message: `resource "${ref.from}" refers to itself` });
      continue;
    }
    const out = edges.get(ref.from);
    if (out && !out.has(ref.to)) out.set(ref.to, ref.position);
  }
  for (const cycle of findCycles(names, edges)) errors.push({ ...cycle.position, message: `dependency cycle: ${cycle.path.join(" → ")}` });
  const dependsOn: Record<string, string[]> = {};
  const order = new Map(names.map((name, index) => [name, index]));
  for (const name of names) dependsOn[name] = [...edges.get(name)!.keys()].sort((a, b) => order.get(a)! - order.get(b)!);
  return { dependsOn, errors };
}

type Cycle = { path: string[]; position: Position };

/** Depth-first search; each edge back to a resource still on the stack closes one cycle. */
function findCycles(names: readonly string[], edges: Map<string, Map<string, Position>>): Cycle[] {
  const cycles: Cycle[] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, "active");
    stack.push(name);
    for (const [next, position] of edges.get(name) ?? []) {
      const seen = state.get(next);
      if (seen === "active") cycles.push({ path: [...stack.slice(stack.indexOf(next)), next], position });
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(name, "done");
  };
  for (const name of names) if (!state.has(name)) visit(name);
  return cycles;
}

/**
 * The order in which to create resources: dependencies first, otherwise
 * declaration order. Destroy in the reverse order. A parsed template has no
 * cycle, so meeting one here is a bug.
 */
export function resourceOrder(template: Pick<TemplateSpec, "resources">): string[] {
  const pending = Object.keys(template.resources);
  const placed = new Set<string>();
  const order: string[] = [];
  while (pending.length > 0) {
    const index = pending.findIndex((name) => template.resources[name]!.depends_on.every((dep) => placed.has(dep) || !Object.hasOwn(template.resources, dep)));
    if (index < 0) throw new Error(`resources depend on each other in a cycle: ${pending.join(", ")}`);
    const [name] = pending.splice(index, 1) as [string];
    placed.add(name);
    order.push(name);
  }
  return order;
}

function describeNames(names: readonly string[]): string {
  return names.length === 0 ? "no resources" : names.map((name) => `"${name}"`).join(", ");
}
