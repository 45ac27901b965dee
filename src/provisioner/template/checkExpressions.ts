import type { TemplateError } from "../../sdk/schemas/templates.js";
import { ExpressionSyntaxError, expressionReferences, parseInterpolation, type Part } from "./expressionParser.js";
import type { ResourceReference } from "./resourceGraph.js";
import { RESOURCE_KEYS } from "./templateSchema.js";
import { pathPointer, type Position } from "./TemplateSpec.js";
import type { YamlSource } from "./YamlSource.js";

/**
 * Finds every `${{ … }}` in den.yaml, checks its syntax and the names it
 * reads, and places each one exactly. Expressions are evaluated only in
 * resources and agents, at build time; anywhere else they would be taken
 * literally, so they are refused there.
 */

export type CheckedExpressions = {
  errors: TemplateError[];
  /** Resource references, `from` being the resource that needs `to` (for an agent: its resource). */
  references: ResourceReference[];
  expressions: Record<string, ([number, number] | null)[]>;
};

export type ExpressionContext = {
  parameterNames: ReadonlySet<string>;
  /** The resource each agent runs in, as declared (an agent may refer to its own resource). */
  agentResources: Readonly<Record<string, string | undefined>>;
};

/** Fields the agent and URLs identify things by: they are checked by the schema and never computed. */
const STATIC_AGENT_FIELDS: Record<string, readonly string[]> = {
  scripts: ["name", "run_on", "cron"],
  apps: ["slug", "share"],
  metadata: ["key"],
};

const OPEN = "${{";

export function checkExpressions(source: YamlSource, data: Record<string, unknown>, context: ExpressionContext): CheckedExpressions {
  const result: CheckedExpressions = { errors: [], references: [], expressions: {} };
  for (const [key, value] of Object.entries(data)) {
    if (key === "resources" && isRecord(value)) {
      for (const [name, resource] of Object.entries(value)) {
        if (!isRecord(resource)) continue;
        for (const [setting, item] of Object.entries(resource)) {
          if ((RESOURCE_KEYS as readonly string[]).includes(setting)) continue;
          walk(source, item, ["resources", name, setting], { resource: name, self: undefined }, context, result);
        }
      }
    } else if (key === "agents" && isRecord(value)) {
      for (const [name, agent] of Object.entries(value)) {
        const resource = context.agentResources[name];
        walk(source, agent, ["agents", name], { resource, self: resource }, context, result);
      }
    } else {
      walk(source, value, [key], undefined, context, result);
    }
  }
  return result;
}

/** Who an expression belongs to: the resource that will need what it reads; `self` may be read freely. */
type Owner = { resource: string | undefined; self: string | undefined } | undefined;

function walk(source: YamlSource, value: unknown, path: (string | number)[], owner: Owner, context: ExpressionContext, result: CheckedExpressions): void {
  if (typeof value === "string") {
    if (value.includes(OPEN) && !isStaticField(path)) checkString(source, value, path, owner, context, result);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(source, item, [...path, index], owner, context, result));
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes(OPEN)) result.errors.push({ ...source.keyPositionOf(path, key), message: "expressions are not allowed in keys" });
    walk(source, item, [...path, key], owner, context, result);
  }
}

function checkString(source: YamlSource, value: string, path: (string | number)[], owner: Owner, context: ExpressionContext, result: CheckedExpressions): void {
  const place = (offset: number) => positionInString(source, value, path, offset);
  let parts: Part[];
  try {
    parts = parseInterpolation(value);
  } catch (err) {
    if (!(err instanceof ExpressionSyntaxError)) throw err;
    result.errors.push({ ...place(err.offset), message: `bad expression: ${err.message}` });
    return;
  }
  const expressions = parts.filter((part) => part.kind === "expression");
  if (expressions.length === 0) return;
  if (owner === undefined) {
    const first = expressions[0]!;
    result.errors.push({
      ...place(first.start),
      message: `expressions are only evaluated in resources and agents; "${path.join(".")}" would keep the text as written`,
    });
    return;
  }
  result.expressions[pathPointer(path)] = expressions.map((part) => {
    const offset = source.nthInString(path, OPEN, occurrencesBefore(value, part.start));
    if (offset === undefined) return null;
    const { line, column } = source.at(offset);
    return [line, column];
  });
  for (const part of expressions) {
    for (const ref of expressionReferences(part.expr)) {
      if (ref.root === "params") {
        const name = ref.path[0]!;
        if (!context.parameterNames.has(name)) {
          const declared = context.parameterNames.size > 0 ? [...context.parameterNames].map((n) => `"${n}"`).join(", ") : "no parameters";
          result.errors.push({ ...place(ref.pathAt[0]!), message: `unknown parameter "${name}": the template declares ${declared}` });
        }
      } else if (ref.root === "resources") {
        const to = ref.path[0]!;
        if (to === owner.self) continue;
        result.references.push({ from: owner.resource ?? "", to, position: place(ref.pathAt[0]!) });
      }
    }
  }
}

/** Places an offset of a string value in the file, exactly when the source shows it verbatim. */
function positionInString(source: YamlSource, value: string, path: (string | number)[], offset: number): Position {
  const open = value.lastIndexOf(OPEN, offset);
  if (open < 0) return source.positionOf(path);
  const at = source.nthInString(path, OPEN, occurrencesBefore(value, open));
  if (at === undefined) return source.positionOf(path);
  const verbatim = source.text.slice(at, at + (offset - open + 1)) === value.slice(open, offset + 1);
  return source.at(verbatim ? at + (offset - open) : at);
}

/** How many `${{` start before `offset` (stepping one character, like nthInString). */
function occurrencesBefore(value: string, offset: number): number {
  let count = 0;
  for (let index = value.indexOf(OPEN); index >= 0 && index < offset; index = value.indexOf(OPEN, index + 1)) count += 1;
  return count;
}

function isStaticField(path: readonly (string | number)[]): boolean {
  if (path[0] !== "agents") return false;
  if (path.length === 3) return path[2] === "resource";
  return path.length === 5 && (STATIC_AGENT_FIELDS[String(path[2])]?.includes(String(path[4])) ?? false);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
