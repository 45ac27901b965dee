import type { ParameterValue } from "../../sdk/schemas/templates.js";
import { ExpressionSyntaxError, parseInterpolation, type Expr, type Part } from "./expressionParser.js";
import { expressionPositionOf, positionOf, type Position, type TemplatePath, type TemplateSpec } from "./TemplateSpec.js";

/**
 * Evaluates `${{ … }}` expressions at build time. A string that is exactly
 * one expression keeps the expression's type (a number stays a number); an
 * expression inside other text is written into the text.
 */

export type ExpressionValue = ParameterValue;

export type ExpressionScope = {
  params: Record<string, ParameterValue>;
  workspace: { id: string; name: string };
  owner: { username: string; email: string };
  transition: string;
  resources: Record<string, Record<string, string | number | boolean>>;
};

/** Where a value came from: a position, or its den.yaml path in a parsed template (exact columns). */
export type ValueOrigin = Position | { template: Pick<TemplateSpec, "source">; path: TemplatePath };

/** An expression that could not be evaluated, placed at file:line:column. */
export class ExpressionError extends Error {
  override name = "ExpressionError";
  readonly position: Position | undefined;
  readonly reason: string;
  constructor(reason: string, position: Position | undefined) {
    super(position ? `${position.file}:${position.line}:${position.column}: ${reason}` : reason);
    this.reason = reason;
    this.position = position;
  }
}

/** Raised inside evaluation; `missing` marks values that default() may replace. */
class EvaluationFault extends Error {
  constructor(
    message: string,
    readonly at: number,
    readonly missing = false,
  ) {
    super(message);
  }
}

/** Evaluates every expression in a value, through arrays and objects; the value is not changed. */
export function evaluateValue(value: unknown, scope: ExpressionScope, where?: ValueOrigin): unknown {
  return evaluateAt(value, scope, where, []);
}

function evaluateAt(value: unknown, scope: ExpressionScope, where: ValueOrigin | undefined, path: (string | number)[]): unknown {
  if (typeof value === "string") return evaluateString(value, scope, locator(where, path));
  if (Array.isArray(value)) return value.map((item, index) => evaluateAt(item, scope, where, [...path, index]));
  if (value !== null && typeof value === "object") {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty, so that a key named __proto__ stays a plain key.
      Object.defineProperty(result, key, { value: evaluateAt(item, scope, where, [...path, key]), enumerable: true, writable: true, configurable: true });
    }
    return result;
  }
  return value;
}

/** Maps an offset in a string to a position; `parts` are the string's parsed parts. */
export type Locate = (offset: number, parts: Part[] | undefined) => Position | undefined;

function locator(where: ValueOrigin | undefined, path: (string | number)[]): Locate {
  if (where === undefined) return () => undefined;
  if (!("template" in where)) return () => where;
  const fullPath = [...where.path, ...path];
  const { template } = where;
  return (offset, parts) => {
    let index = 0;
    let start = 0;
    for (const part of parts ?? []) {
      if (part.kind !== "expression") continue;
      if (part.start > offset) break;
      start = part.start;
      index += 1;
    }
    const exact = index > 0 ? expressionPositionOf(template, fullPath, index - 1) : undefined;
    // Expressions rarely span lines, so the column of the `${{` plus the offset is exact in practice.
    return exact ? { ...exact, column: exact.column + (offset - start) } : positionOf(template, fullPath);
  };
}

/** Evaluates one string: its type is kept when it is a single expression, else it is interpolated. */
export function evaluateString(text: string, scope: ExpressionScope, locate: Locate = () => undefined): unknown {
  if (!text.includes("${{")) return text;
  let parts: Part[];
  try {
    parts = parseInterpolation(text);
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) throw new ExpressionError(err.message, locate(err.offset, undefined));
    throw err;
  }
  try {
    const only = parts[0];
    if (parts.length === 1 && only?.kind === "expression") return evaluateExpression(only.expr, scope);
    let result = "";
    for (const part of parts) {
      if (part.kind === "text") result += part.text;
      else result += interpolate(evaluateExpression(part.expr, scope));
    }
    return result;
  } catch (err) {
    if (err instanceof EvaluationFault) throw new ExpressionError(err.message, locate(err.at, parts));
    throw err;
  }
}

/** Text of a value inside a string; a list is written as JSON so that it stays unambiguous. */
function interpolate(value: ExpressionValue): string {
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

export function evaluateExpression(expr: Expr, scope: ExpressionScope): ExpressionValue {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "ref":
      return readReference(expr, scope);
    case "unary": {
      const operand = evaluateExpression(expr.operand, scope);
      if (expr.op === "!") return !expectType(operand, "bool", "!", expr.at);
      return -expectType(operand, "number", "-", expr.at);
    }
    case "conditional": {
      const test = expectType(evaluateExpression(expr.test, scope), "bool", "the condition of ?:", expr.at);
      return evaluateExpression(test ? expr.then : expr.otherwise, scope);
    }
    case "binary":
      return evaluateBinary(expr, scope);
    case "call":
      return evaluateCall(expr, scope);
  }
}

function evaluateBinary(expr: Extract<Expr, { kind: "binary" }>, scope: ExpressionScope): ExpressionValue {
  const left = evaluateExpression(expr.left, scope);
  // && and || do not evaluate their right side when the left decides, like everywhere else.
  if (expr.op === "&&") return expectType(left, "bool", "&&", expr.at) && expectType(evaluateExpression(expr.right, scope), "bool", "&&", expr.at);
  if (expr.op === "||") return expectType(left, "bool", "||", expr.at) || expectType(evaluateExpression(expr.right, scope), "bool", "||", expr.at);
  const right = evaluateExpression(expr.right, scope);
  switch (expr.op) {
    case "==":
    case "!=": {
      if (typeName(left) !== typeName(right)) throw new EvaluationFault(`cannot compare ${typeName(left)} with ${typeName(right)} using ${expr.op}`, expr.at);
      const equal = JSON.stringify(left) === JSON.stringify(right);
      return expr.op === "==" ? equal : !equal;
    }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const a = expectType(left, "number", expr.op, expr.at);
      const b = expectType(right, "number", expr.op, expr.at);
      return expr.op === "<" ? a < b : expr.op === "<=" ? a <= b : expr.op === ">" ? a > b : a >= b;
    }
    case "+": {
      if (typeof left === "number" && typeof right === "number") return left + right;
      if ((typeof left === "string" || typeof right === "string") && !Array.isArray(left) && !Array.isArray(right)) return String(left) + String(right);
      throw new EvaluationFault(`cannot add ${typeName(left)} and ${typeName(right)}: + adds numbers or joins text`, expr.at);
    }
  }
}

function evaluateCall(expr: Extract<Expr, { kind: "call" }>, scope: ExpressionScope): ExpressionValue {
  const [first, second] = expr.args as [Expr, Expr];
  switch (expr.name) {
    case "lower":
      return expectType(evaluateExpression(first, scope), "string", "lower()", expr.at).toLowerCase();
    case "upper":
      return expectType(evaluateExpression(first, scope), "string", "upper()", expr.at).toUpperCase();
    case "trim":
      return expectType(evaluateExpression(first, scope), "string", "trim()", expr.at).trim();
    case "default": {
      let value: ExpressionValue | undefined;
      try {
        value = evaluateExpression(first, scope);
      } catch (err) {
        if (!(err instanceof EvaluationFault && err.missing)) throw err;
      }
      if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) return evaluateExpression(second, scope);
      return value;
    }
    case "join": {
      const list = expectType(evaluateExpression(first, scope), "list", "join()", expr.at);
      return list.join(expectType(evaluateExpression(second, scope), "string", "join()", expr.at));
    }
    case "contains": {
      const haystack = evaluateExpression(first, scope);
      const needle = expectType(evaluateExpression(second, scope), "string", "contains()", expr.at);
      if (Array.isArray(haystack)) return haystack.includes(needle);
      return expectType(haystack, "string", "contains()", expr.at).includes(needle);
    }
  }
}

function readReference(expr: Extract<Expr, { kind: "ref" }>, scope: ExpressionScope): ExpressionValue {
  // Own properties only: a name like "constructor" must find nothing rather than Object's prototype.
  switch (expr.root) {
    case "transition":
      return scope.transition;
    case "workspace":
      return expr.path[0] === "id" ? scope.workspace.id : scope.workspace.name;
    case "owner":
      return expr.path[0] === "username" ? scope.owner.username : scope.owner.email;
    case "params": {
      const name = expr.path[0]!;
      if (!Object.hasOwn(scope.params, name)) throw new EvaluationFault(`unknown parameter "${name}"`, expr.pathAt[0]!);
      return scope.params[name]!;
    }
    case "resources": {
      const [name, output] = expr.path as [string, string];
      if (!Object.hasOwn(scope.resources, name)) {
        throw new EvaluationFault(`resource "${name}" has no outputs yet: it has not been created`, expr.pathAt[0]!, true);
      }
      const outputs = scope.resources[name]!;
      if (!Object.hasOwn(outputs, output)) {
        const known = Object.keys(outputs);
        const has = known.length > 0 ? `it has ${known.map((k) => `"${k}"`).join(", ")}` : "it has none";
        throw new EvaluationFault(`resource "${name}" has no output "${output}": ${has}`, expr.pathAt[1]!, true);
      }
      return outputs[output]!;
    }
  }
}

type TypeName = "string" | "number" | "bool" | "list";
type TypeOf<T extends TypeName> = T extends "string" ? string : T extends "number" ? number : T extends "bool" ? boolean : string[];

function typeName(value: ExpressionValue): TypeName {
  if (Array.isArray(value)) return "list";
  if (typeof value === "boolean") return "bool";
  return typeof value === "number" ? "number" : "string";
}

function expectType<T extends TypeName>(value: ExpressionValue, type: T, what: string, at: number): TypeOf<T> {
  if (typeName(value) !== type) throw new EvaluationFault(`${what} needs a ${type}, not a ${typeName(value)} (${interpolate(value)})`, at);
  return value as TypeOf<T>;
}
