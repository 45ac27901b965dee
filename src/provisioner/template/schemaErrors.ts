import { z } from "zod";
import type { TemplateError } from "../../sdk/schemas/templates.js";
import { TemplateFile } from "./templateSchema.js";
import type { YamlSource } from "./YamlSource.js";

/**
 * Turns zod issues about den.yaml into errors a person can act on: placed
 * at the offending key or value, naming the field, and worded for YAML
 * (a "mapping", a "list") rather than for JavaScript.
 */
export function schemaErrors(source: YamlSource, issues: readonly z.core.$ZodIssue[], data: unknown): TemplateError[] {
  const errors: TemplateError[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((key): key is string | number => typeof key !== "symbol");
    const field = fieldName(path);
    if (issue.code === "unrecognized_keys") {
      const allowed = knownKeys(path);
      for (const key of issue.keys) {
        const hint = suggestion(key, allowed);
        errors.push({ ...source.keyPositionOf(path, key), message: `${field ? `${field}: ` : ""}unknown key "${key}"${hint}` });
      }
      continue;
    }
    if (issue.code === "invalid_key") {
      const key = String(path[path.length - 1]);
      const parentPath = path.slice(0, -1);
      const inner = issue.issues[0]?.message ?? issue.message;
      errors.push({ ...source.keyPositionOf(parentPath, key), message: `${KEY_KINDS[String(parentPath[parentPath.length - 1])] ?? "key"} "${key}" ${inner}` });
      continue;
    }
    const value = valueAt(data, path);
    if (value === undefined && issue.code === "invalid_type") {
      const parent = fieldName(path.slice(0, -1));
      errors.push({ ...source.positionOf(path.slice(0, -1)), message: `${parent ? `${parent}: ` : ""}missing required key "${String(path[path.length - 1])}"` });
      continue;
    }
    errors.push({ ...source.positionOf(path), message: `${field ? `${field}: ` : ""}${describeIssue(issue, value)}` });
  }
  return errors;
}

const KEY_KINDS: Record<string, string> = { resources: "resource name", agents: "agent name", env: "environment variable name" };

const ZOD_DEFAULT_MESSAGE = /^(Invalid input|Invalid option|Too small|Too big|Invalid string|Invalid number)/;

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  // Messages written in the schema are kept; zod's generic ones are reworded.
  if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return `must be ${EXPECTED[issue.expected] ?? `a ${issue.expected}`}, not ${describeValue(value)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => String(v)).join(", ")}, not ${describeValue(value)}`;
    case "too_small":
      return issue.origin === "string" && Number(issue.minimum) === 1
        ? "must not be empty"
        : `must be at least ${String(issue.minimum)}${UNITS[issue.origin] ?? ""}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}${UNITS[issue.origin] ?? ""}`;
    default:
      return issue.message;
  }
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "a bool (true or false)",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
};

const UNITS: Record<string, string> = { string: " characters", array: " items" };

function describeValue(value: unknown): string {
  if (value === null) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

/** `agents.main.apps[0].url`, the way people refer to a place in YAML. */
function fieldName(path: readonly (string | number)[]): string {
  return path.map((key, index) => (typeof key === "number" ? `[${key}]` : index === 0 ? key : `.${key}`)).join("");
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** The keys the schema allows at a path, for "did you mean". */
function knownKeys(path: readonly (string | number)[]): string[] {
  let schema: z.ZodType | undefined = TemplateFile;
  for (const key of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(key)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
  return current;
}

function suggestion(key: string, allowed: string[]): string {
  if (allowed.length === 0) return "";
  const close = allowed.find((candidate) => distance(key.toLowerCase(), candidate) <= Math.min(2, Math.floor(candidate.length / 3)));
  return close ? `: did you mean "${close}"?` : `: allowed keys are ${allowed.join(", ")}`;
}

/** Levenshtein distance, enough for short key names. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
