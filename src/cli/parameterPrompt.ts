import { checkParameterValue, isParameterRequired, validateParameterValues, type ParameterSpec, type ParameterTransition } from "../sdk/schemas/templates.js";
import { CliError } from "./errors.js";
import { Prompter } from "./prompter.js";

/** Parses repeated `--parameter name=value` flags; the value may hold `=`. */
export function parseParameterFlags(flags: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    if (eq <= 0) throw new CliError(`--parameter ${JSON.stringify(flag)}: use NAME=VALUE`);
    const name = flag.slice(0, eq).trim();
    if (Object.hasOwn(values, name)) throw new CliError(`--parameter ${name}: given twice`);
    values[name] = flag.slice(eq + 1);
  }
  return values;
}

/** Collector's `--parameter` flags for commander. */
export function collectFlag(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export type ParameterQuestions = {
  /** A terminal to ask on; without one, missing required parameters are an error. */
  prompter?: Prompter;
  /** Ask for every parameter not given (showing its default), not only the required ones. */
  askAll: boolean;
  /** Values of the build before, for start and update. */
  previous?: Record<string, string>;
  transition: ParameterTransition;
};

/** Parameters in the order a form shows them: by `order`, then as declared. */
function inFormOrder(specs: readonly ParameterSpec[]): ParameterSpec[] {
  return specs.map((spec, i) => ({ spec, i })).sort((a, b) => (a.spec.order ?? 0) - (b.spec.order ?? 0) || a.i - b.i).map((x) => x.spec);
}

/**
 * Fills in the parameters the user did not pass: asks on a terminal (with
 * the default shown, options as a numbered choice), else leaves them to their
 * default or previous value, and fails naming the first required one that
 * has none. Then checks every value against the template's rules, as the
 * server will, so that mistakes show before anything is created.
 */
export async function resolveParameters(specs: readonly ParameterSpec[], given: Record<string, string>, q: ParameterQuestions): Promise<Record<string, string>> {
  const values = { ...given };
  const previous = q.transition === "create" ? {} : (q.previous ?? {});
  for (const spec of inFormOrder(specs)) {
    if (Object.hasOwn(values, spec.name)) continue;
    const known = Object.hasOwn(previous, spec.name) && !spec.ephemeral;
    // An immutable parameter that already has a value cannot change, so there is nothing to ask.
    if (known && (!spec.mutable || !q.askAll)) continue;
    const required = !known && isParameterRequired(spec);
    if (!required && !q.askAll) continue;
    if (!q.prompter) {
      if (required) throw new CliError(`parameter "${spec.name}" is required: pass --parameter ${spec.name}=VALUE${describeChoices(spec)}`);
      continue;
    }
    values[spec.name] = await askParameter(q.prompter, spec, known ? previous[spec.name] : spec.default);
  }
  const result = validateParameterValues(specs, values, { previous: q.previous, transition: q.transition });
  if (!result.ok) {
    const first = result.errors[0]!;
    const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more problem${result.errors.length > 2 ? "s" : ""})` : "";
    throw new CliError(`--parameter ${first.field.replace(/^parameter\./, "")}: ${first.detail}${more}`);
  }
  return result.values;
}

function describeChoices(spec: ParameterSpec): string {
  if (spec.options.length > 0) return ` (one of ${spec.options.map((o) => o.value).join(", ")})`;
  if (spec.type === "bool") return " (true or false)";
  return "";
}

/** Asks for one parameter until the answer passes its checks. */
export async function askParameter(prompter: Prompter, spec: ParameterSpec, current: string | undefined): Promise<string> {
  const title = spec.display_name ?? spec.name;
  prompter.say("");
  prompter.say(`${title}${spec.display_name ? ` (${spec.name})` : ""}, ${spec.type}${spec.mutable ? "" : ", cannot be changed later"}`);
  if (spec.description) prompter.say(`  ${spec.description.trim().replace(/\n+/g, "\n  ")}`);
  const options = spec.options;
  if (options.length > 0 && spec.type !== "list(string)") {
    options.forEach((o, i) => prompter.say(`  ${i + 1}) ${o.name}${o.name !== o.value ? ` [${o.value}]` : ""}${o.description ? ` - ${o.description}` : ""}`));
    const defaultIndex = options.findIndex((o) => o.value === current);
    const answer = await prompter.ask(`Choose 1-${options.length}`, {
      default: defaultIndex >= 0 ? String(defaultIndex + 1) : undefined,
      validate: (a) => (optionAt(options, a) !== undefined ? undefined : `answer a number from 1 to ${options.length}, or a value`),
    });
    return optionAt(options, answer)!;
  }
  const hint = spec.type === "bool" ? " (true/false)" : spec.type === "list(string)" ? ' (a JSON list, e.g. ["a","b"])' : "";
  return prompter.ask(`Value${hint}`, {
    default: current,
    validate: (a) => {
      if (a === "" && current === undefined) return "a value is required";
      const checked = checkParameterValue(spec, a);
      return checked.ok ? undefined : checked.detail;
    },
  });
}

function optionAt(options: ParameterSpec["options"], answer: string): string | undefined {
  const n = Number(answer);
  if (/^\d+$/.test(answer) && n >= 1 && n <= options.length) return options[n - 1]!.value;
  return options.find((o) => o.value === answer)?.value;
}
