import type { FieldIssue } from "../driver.js";

/** template: raw settings at import (values may still be `${{ … }}` strings); evaluated: what create() receives. */
export type SettingsStage = "template" | "evaluated";

export type DockerMount = { type: "volume" | "bind"; source: string; target: string; readOnly: boolean };

export type ContainerSettings = {
  image: string;
  name?: string;
  command?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  mounts: DockerMount[];
  cpus?: number;
  memoryBytes?: number;
  networkMode: string;
  extraHosts: string[];
  labels: Record<string, string>;
  workingDir?: string;
  user?: string;
  graceSeconds: number;
};
export type VolumeSettings = { name?: string; labels: Record<string, string> };
export type ImageSettings = { name: string };

export type Checked<T> = { issues: FieldIssue[]; settings?: T };

const CONTAINER_KEYS = ["image", "name", "command", "entrypoint", "env", "mounts", "cpus", "memory", "network_mode", "extra_hosts", "labels", "working_dir", "user", "grace_seconds"];
const DEFAULT_GRACE_SECONDS = 10;
/** Docker refuses less than 6 MiB for a container. */
const MIN_MEMORY = 6 * 1024 * 1024;
const MAX_CPUS = 1024;
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One setting's check: adds issues, answers the value (undefined when absent or unusable). */
class Checker {
  readonly issues: FieldIssue[] = [];
  constructor(
    private readonly raw: Record<string, unknown>,
    readonly template: boolean,
  ) {}
  /** A `${{ … }}` string at import: its type is known only once evaluated, so it is accepted as is. */
  deferred(value: unknown): boolean {
    return this.template && typeof value === "string" && value.includes("${{");
  }
  unknownKeys(keys: string[], what: string): void {
    for (const key of Object.keys(this.raw)) if (!keys.includes(key)) this.issues.push({ path: key, message: `unknown setting "${key}"; a ${what} takes ${keys.join(", ")}` });
  }
  string(path: string, value: unknown, opts: { required?: string; pattern?: RegExp; patternMessage?: string } = {}): string | undefined {
    if (value === undefined || value === "") {
      if (opts.required) this.issues.push({ path, message: `required: ${opts.required}` });
      return undefined;
    }
    if (this.deferred(value)) return undefined;
    const text = typeof value === "string" ? value : !this.template && (typeof value === "number" || typeof value === "boolean") ? String(value) : undefined;
    if (text === undefined) this.issues.push({ path, message: `must be a string, not ${describe(value)}` });
    else if (text.includes("\0")) this.issues.push({ path, message: "must not contain a NUL character" });
    else if (opts.pattern && !opts.pattern.test(text)) this.issues.push({ path, message: opts.patternMessage ?? `is not valid: "${text}"` });
    else return text;
    return undefined;
  }
  stringList(path: string, value: unknown): string[] | undefined {
    if (value === undefined || this.deferred(value)) return undefined;
    if (!Array.isArray(value)) {
      this.issues.push({ path, message: `must be a list of strings, not ${describe(value)}` });
      return undefined;
    }
    const out = value.map((item, i) => this.string(`${path}.${i}`, item));
    return out.every((s) => s !== undefined) ? (out as string[]) : undefined;
  }
  stringMap(path: string, value: unknown, keyPattern?: RegExp): Record<string, string> {
    const out: Record<string, string> = {};
    if (value === undefined || this.deferred(value)) return out;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.issues.push({ path, message: `must be a map of names to strings, not ${describe(value)}` });
      return out;
    }
    for (const [key, item] of Object.entries(value)) {
      if (keyPattern && !keyPattern.test(key)) this.issues.push({ path: `${path}.${key}`, message: "is not a valid name: use letters, digits and _, not starting with a digit" });
      const text = this.string(`${path}.${key}`, item);
      if (text !== undefined) Object.defineProperty(out, key, { value: text, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  number(path: string, value: unknown, min: number, max: number, unit: string): number | undefined {
    if (value === undefined || this.deferred(value)) return undefined;
    const n = typeof value === "number" ? value : !this.template && typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
    if (!Number.isFinite(n)) this.issues.push({ path, message: `must be a number of ${unit}, not ${describe(value)}` });
    else if (n < min || n > max) this.issues.push({ path, message: `must be from ${min} to ${max} ${unit}, not ${n}` });
    else return n;
    return undefined;
  }
}

export function checkContainerSettings(raw: Record<string, unknown>, stage: SettingsStage): Checked<ContainerSettings> {
  const c = new Checker(raw, stage === "template");
  c.unknownKeys(CONTAINER_KEYS, "docker container");
  const image = c.string("image", raw.image, { required: "the image to run, e.g. debian:bookworm or the id output of a docker image resource" });
  const name = c.string("name", raw.name, { pattern: DOCKER_NAME, patternMessage: "must be a Docker name: letters, digits, _ . - (starting with a letter or digit), at most 128" });
  const command = c.stringList("command", raw.command);
  const entrypoint = c.stringList("entrypoint", raw.entrypoint);
  const env = c.stringMap("env", raw.env, ENV_NAME);
  const mounts = checkMounts(c, raw.mounts);
  const cpus = c.number("cpus", raw.cpus, 0.01, MAX_CPUS, "CPUs");
  const memoryBytes = checkMemory(c, raw.memory);
  const networkMode = c.string("network_mode", raw.network_mode) ?? "host";
  const extraHosts = c.stringList("extra_hosts", raw.extra_hosts) ?? [];
  extraHosts.forEach((h, i) => {
    if (!/^[^:\s]+:[^\s]+$/.test(h)) c.issues.push({ path: `extra_hosts.${i}`, message: `must be "hostname:address" (e.g. "db.local:10.0.0.5" or "host.docker.internal:host-gateway"), not "${h}"` });
  });
  const labels = c.stringMap("labels", raw.labels);
  for (const key of Object.keys(labels)) if (key.startsWith("den.")) c.issues.push({ path: `labels.${key}`, message: "labels starting with den. are Den's own (workspace, build, resource)" });
  const workingDir = c.string("working_dir", raw.working_dir, { pattern: /^\//, patternMessage: "must be an absolute path in the container" });
  const user = c.string("user", raw.user);
  const graceSeconds = c.number("grace_seconds", raw.grace_seconds, 0, 300, "seconds") ?? DEFAULT_GRACE_SECONDS;
  if (c.issues.length > 0 || image === undefined) return { issues: c.issues };
  return {
    issues: [],
    settings: { image, name, command, entrypoint, env, mounts, cpus, memoryBytes, networkMode, extraHosts, labels, workingDir, user, graceSeconds },
  };
}

function checkMounts(c: Checker, value: unknown): DockerMount[] {
  if (value === undefined || c.deferred(value)) return [];
  if (!Array.isArray(value)) {
    c.issues.push({ path: "mounts", message: `must be a list of {volume or host_path, target, read_only}, not ${describe(value)}` });
    return [];
  }
  const out: DockerMount[] = [];
  value.forEach((item: unknown, i) => {
    const path = `mounts.${i}`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      c.issues.push({ path, message: `must be a map {volume or host_path, target, read_only}, not ${describe(item)}` });
      return;
    }
    const m = item as Record<string, unknown>;
    for (const key of Object.keys(m)) if (!["volume", "host_path", "target", "read_only"].includes(key)) c.issues.push({ path: `${path}.${key}`, message: `unknown mount setting "${key}"; a mount takes volume or host_path, target, read_only` });
    if ((m.volume === undefined) === (m.host_path === undefined)) {
      c.issues.push({ path, message: "give exactly one of volume (a Docker volume's name, e.g. ${{ resources.home.name }}) and host_path (a folder the admin allows)" });
      return;
    }
    const volume = c.string(`${path}.volume`, m.volume);
    const hostPath = c.string(`${path}.host_path`, m.host_path, { pattern: /^\//, patternMessage: "must be an absolute path on the Docker host" });
    const target = c.string(`${path}.target`, m.target, { required: "the absolute path in the container", pattern: /^\//, patternMessage: "must be an absolute path in the container" });
    const readOnly = m.read_only === undefined || c.deferred(m.read_only) ? false : m.read_only;
    if (typeof readOnly !== "boolean") c.issues.push({ path: `${path}.read_only`, message: `must be true or false, not ${describe(readOnly)}` });
    const source = volume ?? hostPath;
    if (source !== undefined && target !== undefined && typeof readOnly === "boolean") out.push({ type: volume !== undefined ? "volume" : "bind", source, target, readOnly });
  });
  return out;
}

/** Bytes, or a size such as 512m, 2g, 1.5GiB. */
function checkMemory(c: Checker, value: unknown): number | undefined {
  if (value === undefined || c.deferred(value)) return undefined;
  let bytes = NaN;
  if (typeof value === "number") bytes = value;
  else if (typeof value === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
    if (m) bytes = Math.round(Number(m[1]) * 1024 ** " kmgt".indexOf((m[2] || " ").toLowerCase()));
  }
  if (!Number.isFinite(bytes)) c.issues.push({ path: "memory", message: `must be bytes or a size such as 512m or 2g, not ${describe(value)}` });
  else if (bytes < MIN_MEMORY) c.issues.push({ path: "memory", message: `must be at least 6m (Docker's minimum), not ${describe(value)}` });
  else return bytes;
  return undefined;
}

export function checkVolumeSettings(raw: Record<string, unknown>, stage: SettingsStage): Checked<VolumeSettings> {
  const c = new Checker(raw, stage === "template");
  c.unknownKeys(["name", "labels"], "docker volume");
  const name = c.string("name", raw.name, { pattern: DOCKER_NAME, patternMessage: "must be a Docker name: letters, digits, _ . - (starting with a letter or digit)" });
  const labels = c.stringMap("labels", raw.labels);
  for (const key of Object.keys(labels)) if (key.startsWith("den.")) c.issues.push({ path: `labels.${key}`, message: "labels starting with den. are Den's own (workspace, build, resource)" });
  return c.issues.length > 0 ? { issues: c.issues } : { issues: [], settings: { name, labels } };
}

export function checkImageSettings(raw: Record<string, unknown>, stage: SettingsStage): Checked<ImageSettings> {
  const c = new Checker(raw, stage === "template");
  if ("dockerfile" in raw || "context" in raw || "build" in raw) {
    c.issues.push({ path: "dockerfile" in raw ? "dockerfile" : "context" in raw ? "context" : "build", message: "building an image from a Dockerfile is not supported yet: build it on the Docker host (docker build -t NAME .) and give its name" });
  }
  c.unknownKeys(["name", "dockerfile", "context", "build"], "docker image");
  const name = c.string("name", raw.name, { required: "the image's name (e.g. debian:bookworm), which must exist on the Docker host" });
  return c.issues.length > 0 || name === undefined ? { issues: c.issues } : { issues: [], settings: { name } };
}

export function describeIssues(resource: string, issues: FieldIssue[]): string {
  return `resource ${resource}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `"${value.length > 40 ? value.slice(0, 40) + "…" : value}"`;
  if (typeof value === "object") return "a map";
  return `${typeof value} ${String(value)}`;
}
