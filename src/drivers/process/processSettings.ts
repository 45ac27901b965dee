import { isAbsolute } from "node:path";
import type { FieldIssue } from "../driver.js";

/** The settings of a `process` resource once checked. */
export type ProcessSettings = {
  command: string[];
  env: Record<string, string>;
  dir?: string;
  graceSeconds: number;
};

/**
 * template: raw settings at import, where `${{ … }}` expressions are not yet
 * evaluated; evaluated: the settings create() receives.
 */
export type SettingsStage = "template" | "evaluated";

export type SettingsCheck = { issues: FieldIssue[]; settings?: ProcessSettings };

const KEYS = ["command", "env", "dir", "grace_seconds"] as const;
export const DEFAULT_GRACE_SECONDS = 10;
const MAX_GRACE_SECONDS = 300;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks the settings of a `process` resource; `settings` is set only when there is no issue. */
export function checkProcessSettings(raw: Record<string, unknown>, stage: SettingsStage): SettingsCheck {
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) issues.push({ path: key, message: `unknown setting "${key}"; a process takes ${KEYS.join(", ")}` });
  }
  const template = stage === "template";
  const command = checkCommand(raw.command, template, issues);
  const env = checkEnv(raw.env, template, issues);
  const dir = checkDir(raw.dir, template, issues);
  const graceSeconds = checkGrace(raw.grace_seconds, template, issues);
  if (issues.length > 0 || !command || !env) return { issues };
  return { issues, settings: { command, env, graceSeconds, ...(dir === undefined ? {} : { dir }) } };
}

/** Issues of the settings of a `directory` resource, which takes none. */
export function checkDirectorySettings(raw: Record<string, unknown>): FieldIssue[] {
  return Object.keys(raw).map((key) => ({ path: key, message: `unknown setting "${key}"; a directory takes no settings` }));
}

/** A string that is one expression as a whole, which may evaluate to any type (a list, a number…). */
function isWholeExpression(value: unknown): value is string {
  return typeof value === "string" && /^\s*\$\{\{[\s\S]*\}\}\s*$/.test(value) && value.indexOf("${{", 1) < 0;
}

/**
 * A value where a string is expected. An expression that is a string as a
 * whole evaluates to its own type (a number parameter gives a number), so
 * numbers and booleans are taken as their text once evaluated; written
 * literally in the template they are refused, so that `[sleep, 1e3]` does not
 * silently become "1000".
 */
function stringValue(value: unknown, template: boolean): string | undefined {
  if (typeof value === "string") return value;
  if (!template && (typeof value === "number" || typeof value === "boolean")) return String(value);
  return undefined;
}

function checkCommand(value: unknown, template: boolean, issues: FieldIssue[]): string[] | undefined {
  if (value === undefined) {
    issues.push({ path: "command", message: `required: the program and its arguments, e.g. ["sh", "-c", "exec sleep infinity"]` });
    return undefined;
  }
  if (template && isWholeExpression(value)) return [];
  if (!Array.isArray(value)) {
    issues.push({ path: "command", message: `must be a list of strings (the program, then its arguments), e.g. ["sh", "-c", "${typeof value === "string" ? value.replaceAll('"', '\\"') : "…"}"]` });
    return undefined;
  }
  if (value.length === 0) {
    issues.push({ path: "command", message: "must not be empty: give at least the program to run" });
    return undefined;
  }
  const args: string[] = [];
  value.forEach((item: unknown, index) => {
    const text = stringValue(item, template);
    if (text === undefined) issues.push({ path: `command.${index}`, message: `must be a string, not ${describe(item)}${typeof item === "number" || typeof item === "boolean" ? " (quote it)" : ""}` });
    else if (text.includes("\0")) issues.push({ path: `command.${index}`, message: "must not contain a NUL character" });
    else if (index === 0 && text.trim() === "") issues.push({ path: "command.0", message: "the program to run must not be empty" });
    else args.push(text);
  });
  return args.length === value.length ? args : undefined;
}

function checkEnv(value: unknown, template: boolean, issues: FieldIssue[]): Record<string, string> | undefined {
  if (value === undefined) return {};
  if (template && isWholeExpression(value)) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    issues.push({ path: "env", message: `must be a map of variable names to strings, not ${describe(value)}` });
    return undefined;
  }
  const env: Record<string, string> = {};
  let ok = true;
  for (const [name, item] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) {
      issues.push({ path: `env.${name}`, message: "is not a valid variable name: use letters, digits and _, not starting with a digit" });
      ok = false;
      continue;
    }
    const text = stringValue(item, template);
    if (text === undefined) issues.push({ path: `env.${name}`, message: `must be a string, not ${describe(item)}${typeof item === "number" || typeof item === "boolean" ? " (quote it)" : ""}` });
    else if (text.includes("\0")) issues.push({ path: `env.${name}`, message: "must not contain a NUL character" });
    else {
      Object.defineProperty(env, name, { value: text, enumerable: true, writable: true, configurable: true });
      continue;
    }
    ok = false;
  }
  return ok ? env : undefined;
}

function checkDir(value: unknown, template: boolean, issues: FieldIssue[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    issues.push({ path: "dir", message: `must be a string (an absolute path), not ${describe(value)}` });
    return undefined;
  }
  if (template && value.includes("${{")) return value;
  if (!isAbsolute(value)) issues.push({ path: "dir", message: `must be an absolute path, not "${value}"` });
  else if (value.includes("\0")) issues.push({ path: "dir", message: "must not contain a NUL character" });
  return value;
}

function checkGrace(value: unknown, template: boolean, issues: FieldIssue[]): number {
  if (value === undefined) return DEFAULT_GRACE_SECONDS;
  if (template && isWholeExpression(value)) return DEFAULT_GRACE_SECONDS;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    issues.push({ path: "grace_seconds", message: `must be a number of seconds from 0 to ${MAX_GRACE_SECONDS}, not ${describe(value)}` });
  } else if (value < 0 || value > MAX_GRACE_SECONDS) {
    issues.push({ path: "grace_seconds", message: `must be from 0 to ${MAX_GRACE_SECONDS} seconds, not ${value}` });
  } else {
    return value;
  }
  return DEFAULT_GRACE_SECONDS;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `"${value.length > 40 ? value.slice(0, 40) + "…" : value}"`;
  if (typeof value === "object") return "a map";
  return `${typeof value} ${String(value)}`;
}
