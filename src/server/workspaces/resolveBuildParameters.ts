import { z } from "zod";
import { ParameterSpec, validateParameterValues, type ParameterTransition } from "../../sdk/schemas/templates.js";
import type { WorkspaceBuildParameter } from "../../sdk/schemas/workspaces.js";
import { InputError } from "../errors.js";

const FIELD = "rich_parameter_values";

/**
 * The parameters a template version declares, from its stored spec. The
 * spec was checked when the version was imported; a version without one has
 * not been imported (yet, or ever) and cannot be built.
 */
export function parameterSpecsOf(spec: unknown, field: string): ParameterSpec[] {
  if (spec === null || spec === undefined) throw InputError.field(field, "this template version has not been imported successfully; push it again or pick another version");
  const parsed = z.array(ParameterSpec).safeParse((spec as { parameters?: unknown }).parameters ?? []);
  // The import job wrote the spec; if it does not parse, the stored data is broken, which is our bug.
  if (!parsed.success) throw new Error(`stored template spec has invalid parameters: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * Resolves and checks the parameter values of a new build: given values,
 * else the previous build's (unless ephemeral), else defaults. Every problem
 * names its parameter as `rich_parameter_values.<name>`.
 */
export function resolveBuildParameters(
  specs: readonly ParameterSpec[],
  given: readonly WorkspaceBuildParameter[],
  opts: { previous?: Record<string, string>; transition: ParameterTransition },
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of given) {
    if (Object.hasOwn(values, p.name)) throw InputError.field(`${FIELD}.${p.name}`, `parameter "${p.name}" is given twice`);
    values[p.name] = p.value;
  }
  const result = validateParameterValues(specs, values, { previous: opts.previous, transition: opts.transition });
  if (result.ok) return result.values;
  const validations = result.errors.map((e) => ({ field: e.field.replace(/^parameter\./, `${FIELD}.`), detail: e.detail }));
  const first = validations[0]!;
  throw new InputError(`Invalid ${first.field}: ${first.detail}`, validations);
}
