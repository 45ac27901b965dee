import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import type { TemplateError } from "../../sdk/schemas/templates.js";
import { checkExpressions } from "./checkExpressions.js";
import { checkParameters } from "./checkParameters.js";
import { resolveDependencies, type ResourceReference } from "./resourceGraph.js";
import { schemaErrors } from "./schemaErrors.js";
import { AgentInput, ParameterInput, RESOURCE_KEYS, ResourceInput, TemplateFile } from "./templateSchema.js";
import type { AgentDecl, Lifetime, ResourceDecl, TemplateSpec } from "./TemplateSpec.js";
import { YamlSource } from "./YamlSource.js";

// The provisioner reaches the template types through this module, its entry point.
export type { TemplateError } from "../../sdk/schemas/templates.js";
export type { AgentDecl, Position, ResourceDecl, TemplatePath, TemplateSpec } from "./TemplateSpec.js";
export { positionOf } from "./TemplateSpec.js";

export type ParseTemplateOptions = {
  /** The main file among `files`; "den.yaml" by default. */
  fileName?: string;
  /** The lifetime of a resource that declares none (a driver's default for a kind); without one, lifetime is required. */
  defaultLifetime?: (driver: string, kind: string) => Lifetime | undefined;
};

export type ParseTemplateResult = { ok: true; template: TemplateSpec } | { ok: false; errors: TemplateError[] };

/** More would only make a build slow and a mistake likely. */
const MAX_RESOURCES = 100;
const MAX_AGENTS = 100;

/**
 * Parses and checks a template folder (`files` maps relative paths to their
 * text). Collects every problem it can find, each with file, line and
 * column, rather than stopping at the first.
 */
export function parseTemplate(files: Readonly<Record<string, string>>, options: ParseTemplateOptions = {}): ParseTemplateResult {
  const file = options.fileName ?? "den.yaml";
  const text = Object.hasOwn(files, file) ? files[file] : undefined;
  if (text === undefined) return failed([{ file, line: 1, column: 1, message: `${file} is missing from the template folder` }]);

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = new YamlSource(file, text, doc, lines);
  // Warnings (an unknown tag, say) would change what the YAML means without a word, so they count as errors.
  const yamlProblems = [...doc.errors, ...doc.warnings].map((problem) => ({
    ...source.at(problem.pos[0]),
    message: problem.code === "MULTIPLE_DOCS" ? `${file} must hold one YAML document: remove the "---" separator` : `invalid YAML: ${problem.message}`,
  }));
  if (yamlProblems.length > 0) return failed(yamlProblems);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return failed([{ file, line: 1, column: 1, message: `invalid YAML: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  if (data === null || data === undefined) return failed([{ file, line: 1, column: 1, message: `${file} is empty: declare at least resources` }]);
  if (!isRecord(data)) return failed([{ ...source.positionOf([]), message: `${file} must be a mapping with keys such as parameters, resources and agents` }]);

  const whole = TemplateFile.safeParse(data);
  const errors: TemplateError[] = whole.success ? [] : schemaErrors(source, whole.error.issues, data);
  errors.push(...prototypeKeys(source, data, []));

  const rawResources = isRecord(data.resources) ? data.resources : {};
  const rawAgents = isRecord(data.agents) ? data.agents : {};
  const resourceNames = Object.keys(rawResources);
  if (resourceNames.length > MAX_RESOURCES) errors.push({ ...source.positionOf(["resources"]), message: `at most ${MAX_RESOURCES} resources are allowed` });
  if (Object.keys(rawAgents).length > MAX_AGENTS) errors.push({ ...source.positionOf(["agents"]), message: `at most ${MAX_AGENTS} agents are allowed` });

  const rawParameters = Array.isArray(data.parameters) ? data.parameters : [];
  const parameterNames = new Set(rawParameters.flatMap((item) => (isRecord(item) && typeof item.name === "string" ? [item.name] : [])));
  const parameters = checkParameters(source, validItems(rawParameters, ParameterInput));
  errors.push(...parameters.errors);

  const agentResources: Record<string, string | undefined> = {};
  for (const [name, agent] of Object.entries(rawAgents)) agentResources[name] = isRecord(agent) && typeof agent.resource === "string" ? agent.resource : undefined;
  const expressions = checkExpressions(source, data, { parameterNames, agentResources });
  errors.push(...expressions.errors);

  const resources: Record<string, Omit<ResourceDecl, "depends_on">> = {};
  const references: ResourceReference[] = [...expressions.references];
  for (const [name, raw] of Object.entries(rawResources)) {
    const parsed = ResourceInput.safeParse(raw);
    if (!parsed.success) continue;
    const input = parsed.data;
    (input.depends_on ?? []).forEach((to, index) => references.push({ from: name, to, position: source.positionOf(["resources", name, "depends_on", index]) }));
    const lifetime = input.lifetime ?? options.defaultLifetime?.(input.driver, input.kind);
    if (lifetime === undefined) {
      errors.push({
        ...source.positionOf(["resources", name]),
        message: `resources.${name}: missing required key "lifetime": persistent (kept while the workspace is stopped) or ephemeral (destroyed on stop)`,
      });
      continue;
    }
    const settings: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      if (!(RESOURCE_KEYS as readonly string[]).includes(key)) Object.defineProperty(settings, key, { value, enumerable: true, writable: true, configurable: true });
    }
    resources[name] = { driver: input.driver, kind: input.kind, lifetime, settings };
  }
  const graph = resolveDependencies(resourceNames, references);
  errors.push(...graph.errors);

  const agents: Record<string, AgentDecl> = {};
  // Checked on the raw data, so that an agent with a schema error elsewhere still gets these reported.
  for (const [name, raw] of Object.entries(rawAgents)) {
    const resource = agentResources[name];
    if (resource !== undefined && !resourceNames.includes(resource)) {
      const declared = resourceNames.length > 0 ? resourceNames.map((n) => `"${n}"`).join(", ") : "no resources";
      errors.push({ ...source.positionOf(["agents", name, "resource"]), message: `unknown resource "${resource}": the template declares ${declared}` });
    }
    if (isRecord(raw)) {
      errors.push(...duplicates(source, ["agents", name, "scripts"], raw.scripts, "name", "script name"));
      errors.push(...duplicates(source, ["agents", name, "apps"], raw.apps, "slug", "app slug"));
      errors.push(...duplicates(source, ["agents", name, "metadata"], raw.metadata, "key", "metadata key"));
    }
    const parsed = AgentInput.safeParse(raw);
    if (parsed.success) agents[name] = agentDecl(parsed.data);
  }

  if (errors.length > 0 || !whole.success) return failed(errors);
  const top = whole.data;
  const template: TemplateSpec = {
    ...(top.name !== undefined && { name: top.name }),
    ...(top.display_name !== undefined && { display_name: top.display_name }),
    ...(top.description !== undefined && { description: top.description }),
    ...(top.icon !== undefined && { icon: top.icon }),
    cost: top.cost,
    max_port_share_level: top.max_port_share_level,
    parameters: parameters.specs,
    resources: Object.fromEntries(Object.entries(resources).map(([name, decl]) => [name, { ...decl, depends_on: graph.dependsOn[name] ?? [] }])),
    agents,
    source: { file, positions: source.positions(), expressions: expressions.expressions },
  };
  return { ok: true, template };
}

function agentDecl(input: AgentInput): AgentDecl {
  return {
    resource: input.resource,
    ...(input.dir !== undefined && { dir: input.dir }),
    env: Object.fromEntries(Object.entries(input.env).map(([key, value]) => [key, String(value)])),
    connection_timeout: input.connection_timeout,
    scripts: input.scripts.map((script) => ({ ...script })),
    apps: input.apps.map((app) => ({ ...app, display_name: app.display_name ?? app.slug })),
    metadata: input.metadata.map((item) => ({ ...item, display_name: item.display_name ?? item.key })),
  };
}

/** The items of a list that pass their schema, with their index for positions. */
function validItems<T extends z.ZodType>(items: unknown[], schema: T): { index: number; input: z.output<T> }[] {
  return items.flatMap((item, index) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? [{ index, input: parsed.data }] : [];
  });
}

function duplicates(source: YamlSource, path: (string | number)[], items: unknown, key: string, what: string): TemplateError[] {
  const errors: TemplateError[] = [];
  if (!Array.isArray(items)) return errors;
  const first = new Map<string, number>();
  items.forEach((item, index) => {
    const value = isRecord(item) ? item[key] : undefined;
    if (typeof value !== "string") return;
    const seen = first.get(value);
    if (seen === undefined) first.set(value, index);
    else {
      const line = source.positionOf([...path, seen, key]).line;
      errors.push({ ...source.positionOf([...path, index, key]), message: `duplicate ${what} "${value}" (first declared on line ${line})` });
    }
  });
  return errors;
}

/**
 * A key named __proto__ would be dropped or, worse, change an object's
 * prototype somewhere down the line (a driver building a spec), so it is refused.
 */
function prototypeKeys(source: YamlSource, value: unknown, path: (string | number)[]): TemplateError[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => prototypeKeys(source, item, [...path, index]));
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => [
    ...(key === "__proto__" ? [{ ...source.keyPositionOf(path, key), message: `the key "__proto__" is not allowed` }] : []),
    ...prototypeKeys(source, item, [...path, key]),
  ]);
}

/** Errors in file order, each once. */
function failed(errors: TemplateError[]): ParseTemplateResult {
  const unique = new Map(errors.map((error) => [`${error.line}:${error.column}:${error.message}`, error]));
  const sorted = [...unique.values()].sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors: sorted };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
