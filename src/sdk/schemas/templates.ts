import { z } from "zod";
import type { FieldValidation } from "../errors.js";

/**
 * Template parameters as the API, the CLI and the dashboard see them. Values
 * always travel as strings (like Coder's rich_parameter_values): a bool is
 * "true"/"false", a list(string) is a JSON array of strings. This file stays
 * free of Node-only imports because the dashboard uses it too.
 */

export const ParameterType = z.enum(["string", "number", "bool", "list(string)"]);
export type ParameterType = z.infer<typeof ParameterType>;

/** Longest value (in its string form) that a parameter may hold. */
export const MAX_PARAMETER_VALUE_LENGTH = 10_000;

export const ParameterName = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "must start with a letter or '_' and hold only letters, digits, '_' and '-'");

export const ParameterOption = z
  .object({
    name: z.string().min(1).max(128).meta({ description: "What the user sees in a picker." }),
    value: z.string().max(MAX_PARAMETER_VALUE_LENGTH).meta({ description: "The value, in its string form." }),
    description: z.string().max(1024).optional(),
    icon: z.string().max(1024).optional(),
  })
  .strict();
export type ParameterOption = z.infer<typeof ParameterOption>;

export const ParameterValidation = z
  .object({
    regex: z.string().max(1024).optional(),
    error: z.string().max(1024).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    monotonic: z.enum(["increasing", "decreasing"]).optional(),
  })
  .strict();
export type ParameterValidation = z.infer<typeof ParameterValidation>;

export const ParameterSpec = z
  .object({
    name: ParameterName,
    display_name: z.string().max(128).optional(),
    description: z.string().max(4096).optional(),
    icon: z.string().max(1024).optional(),
    type: ParameterType,
    /** The default in its string form; a parameter without one is required. */
    default: z.string().max(MAX_PARAMETER_VALUE_LENGTH).optional(),
    mutable: z.boolean().default(false),
    ephemeral: z.boolean().default(false),
    required: z.boolean().optional(),
    options: z.array(ParameterOption).max(64).default([]),
    validation: ParameterValidation.optional(),
    order: z.number().int().optional(),
  })
  .strict();
export type ParameterSpec = z.output<typeof ParameterSpec>;

/** A parameter value once converted from its string form by the parameter's type. */
export type ParameterValue = string | number | boolean | string[];

/** A problem in a template, at a place in one of its files (line and column start at 1). */
export const TemplateError = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  message: z.string(),
});
export type TemplateError = z.infer<typeof TemplateError>;

/** `den.yaml:3:7: message`, the form compilers use, so editors can jump to it. */
export function formatTemplateError(error: TemplateError): string {
  return `${error.file}:${error.line}:${error.column}: ${error.message}`;
}

export function isParameterRequired(spec: Pick<ParameterSpec, "required" | "default">): boolean {
  return spec.required ?? spec.default === undefined;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; detail: string };

const NUMBER_TEXT = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/** Converts a value from its string form by type; the detail says what is wrong. */
export function parseParameterValue(type: ParameterType, raw: string): Parsed<ParameterValue> {
  if (raw.length > MAX_PARAMETER_VALUE_LENGTH) return { ok: false, detail: `must be at most ${MAX_PARAMETER_VALUE_LENGTH} characters` };
  switch (type) {
    case "string":
      return { ok: true, value: raw };
    case "number": {
      const text = raw.trim();
      const value = Number(text);
      if (!NUMBER_TEXT.test(text) || !Number.isFinite(value)) return { ok: false, detail: `${JSON.stringify(raw)} is not a number` };
      return { ok: true, value };
    }
    case "bool":
      if (raw === "true") return { ok: true, value: true };
      if (raw === "false") return { ok: true, value: false };
      return { ok: false, detail: `${JSON.stringify(raw)} is not a bool: use "true" or "false"` };
    case "list(string)": {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        return { ok: false, detail: `must be a JSON array of strings, like ["a","b"]` };
      }
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
        return { ok: false, detail: `must be a JSON array of strings, like ["a","b"]` };
      }
      return { ok: true, value };
    }
  }
}

/** The canonical string form of a typed value, so that "3.0" and "3" compare equal. */
export function formatParameterValue(value: ParameterValue): string {
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/**
 * Checks one value (string form) against the parameter's type, options and
 * validation; answers its canonical string form or what is wrong with it.
 */
export function checkParameterValue(spec: ParameterSpec, raw: string): Parsed<string> {
  const parsed = parseParameterValue(spec.type, raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  const items = Array.isArray(value) ? value : [value];
  if (spec.options.length > 0) {
    const allowed = spec.options.map((option) => option.value);
    for (const item of items) {
      const text = formatParameterValue(item);
      if (!allowed.includes(text)) {
        return { ok: false, detail: `${JSON.stringify(text)} is not one of the options: ${allowed.map((v) => JSON.stringify(v)).join(", ")}` };
      }
    }
  }
  const validation = spec.validation;
  if (validation?.regex !== undefined && spec.type !== "number" && spec.type !== "bool") {
    let pattern: RegExp;
    try {
      pattern = new RegExp(validation.regex);
    } catch {
      return { ok: false, detail: `the template's validation regex ${JSON.stringify(validation.regex)} is invalid` };
    }
    for (const item of items) {
      const text = String(item);
      if (!pattern.test(text)) {
        return { ok: false, detail: validationText(validation.error, text, validation) ?? `must match ${validation.regex}` };
      }
    }
  }
  if (typeof value === "number" && validation) {
    const { min, max } = validation;
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      const range =
        min !== undefined && max !== undefined ? `must be between ${min} and ${max}` : min !== undefined ? `must be at least ${min}` : `must be at most ${max}`;
      return { ok: false, detail: validationText(validation.error, String(value), validation) ?? `${range} (got ${value})` };
    }
  }
  return { ok: true, value: formatParameterValue(value) };
}

/** The template's own error text, with {value}, {min} and {max} filled in like Coder does. */
function validationText(text: string | undefined, value: string, validation: ParameterValidation): string | undefined {
  if (text === undefined) return undefined;
  return text
    .replaceAll("{value}", value)
    .replaceAll("{min}", String(validation.min ?? ""))
    .replaceAll("{max}", String(validation.max ?? ""));
}

export type ParameterTransition = "create" | "start" | "update";

export type ValidatedParameters = { ok: true; values: Record<string, string> } | { ok: false; errors: FieldValidation[] };

/**
 * Resolves the values a build will use: the given value, else (after
 * creation) the previous one unless the parameter is ephemeral, else the
 * default. Checks every one and answers all problems, each naming its
 * parameter as the field `parameter.<name>`.
 */
export function validateParameterValues(
  specs: readonly ParameterSpec[],
  values: Readonly<Record<string, string>>,
  options: { previous?: Readonly<Record<string, string>>; transition: ParameterTransition },
): ValidatedParameters {
  const errors: FieldValidation[] = [];
  const resolved: Record<string, string> = {};
  const known = new Set(specs.map((spec) => spec.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) errors.push({ field: `parameter.${name}`, detail: `unknown parameter "${name}": the template declares ${listNames(known)}` });
  }
  const previous = options.transition === "create" ? {} : (options.previous ?? {});
  for (const spec of specs) {
    const field = `parameter.${spec.name}`;
    const given = Object.hasOwn(values, spec.name) ? values[spec.name] : undefined;
    const before = Object.hasOwn(previous, spec.name) && !spec.ephemeral ? previous[spec.name] : undefined;
    const raw = given ?? before ?? spec.default;
    if (raw === undefined) {
      errors.push({ field, detail: `parameter "${spec.name}" is required` });
      continue;
    }
    const checked = checkParameterValue(spec, raw);
    if (!checked.ok) {
      errors.push({ field, detail: checked.detail });
      continue;
    }
    if (before !== undefined && given !== undefined) {
      const old = checkParameterValue(spec, before);
      const oldText = old.ok ? old.value : before;
      if (!spec.mutable && oldText !== checked.value) {
        errors.push({
          field,
          detail: `parameter "${spec.name}" is immutable and cannot change after the workspace was created (it is ${JSON.stringify(oldText)})`,
        });
        continue;
      }
      const monotonic = spec.validation?.monotonic;
      if (monotonic && spec.type === "number" && old.ok) {
        const was = Number(old.value);
        const now = Number(checked.value);
        if ((monotonic === "increasing" && now < was) || (monotonic === "decreasing" && now > was)) {
          errors.push({ field, detail: `parameter "${spec.name}" may only ${monotonic === "increasing" ? "increase" : "decrease"} (it is ${was})` });
          continue;
        }
      }
    }
    resolved[spec.name] = checked.value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values: resolved };
}

function listNames(names: Set<string>): string {
  if (names.size === 0) return "no parameters";
  return [...names].map((name) => `"${name}"`).join(", ");
}
