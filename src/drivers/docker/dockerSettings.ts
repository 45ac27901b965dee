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
  /** More user-defined networks to join, besides network_mode. */
  networks: string[];
  extraHosts: string[];
  labels: Record<string, string>;
  workingDir?: string;
  user?: string;
  graceSeconds: number;
};
export type VolumeSettings = { name?: string; labels: Record<string, string> };
export type NetworkSettings = { name?: string; driver: string; internal: boolean; labels: Record<string, string> };
export type ImageBuild = {
  /** The folder of the template sent to Docker as the build context, normalised ("" is the whole template). */
  context: string;
  /** The Dockerfile's path within the context. */
  dockerfile: string;
  args: Record<string, string>;
  target?: string;
};
/** A named image (name is the full reference), or one built from the template (name is the repository to tag it in, default den-<resource>). */
export type ImageSettings = { name: string; build?: undefined } | { name?: string; build: ImageBuild };

export type Checked<T> = { issues: FieldIssue[]; settings?: T };

const CONTAINER_KEYS = ["image", "name", "command", "entrypoint", "env", "mounts", "cpus", "memory", "network_mode", "networks", "extra_hosts", "labels", "working_dir", "user", "grace_seconds"];
/** Network modes that are not a network a container joins: it shares another's stack or has none. */
const SHARED_NETWORK_MODE = /^(host|none|container:.+)$/;
const DEFAULT_GRACE_SECONDS = 10;
/** Docker refuses less than 6 MiB for a container. */
const MIN_MEMORY = 6 * 1024 * 1024;
const MAX_CPUS = 1024;
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BUILD_KEYS = ["context", "dockerfile", "args", "target"];
/** ARG names: Docker takes any word; letters, digits and _ as for variables. */
const BUILD_ARG = ENV_NAME;
/** An image repository (no tag, no digest): lower-case path components, as Docker's reference grammar. */
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

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
  /** true or false; undefined when absent, still an expression, or bad (an issue then says so). */
  boolean(path: string, value: unknown): boolean | undefined {
    if (value === undefined || this.deferred(value)) return undefined;
    if (typeof value === "boolean") return value;
    this.issues.push({ path, message: `must be true or false, not ${describe(value)}` });
    return undefined;
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
  const networks = c.stringList("networks", raw.networks) ?? [];
  if (networks.length > 0 && raw.network_mode !== undefined && !c.deferred(raw.network_mode) && SHARED_NETWORK_MODE.test(networkMode)) {
    c.issues.push({ path: "networks", message: `a container with network_mode ${networkMode} cannot join other networks; set network_mode to one of them (e.g. \${{ resources.net.name }})` });
  } else if (networks.length > 0 && raw.network_mode === undefined) {
    c.issues.push({ path: "networks", message: "the default network_mode is host, which cannot join other networks; set network_mode to one of them (e.g. ${{ resources.net.name }})" });
  }
  const extraHosts = c.stringList("extra_hosts", raw.extra_hosts) ?? [];
  extraHosts.forEach((h, i) => {
    if (!/^[^:\s]+:[^\s]+$/.test(h)) c.issues.push({ path: `extra_hosts.${i}`, message: `must be "hostname:address" (e.g. "db.local:10.0.0.5" or "host.docker.internal:host-gateway"), not "${h}"` });
  });
  const labels = denFreeLabels(c, raw.labels);
  const workingDir = c.string("working_dir", raw.working_dir, { pattern: /^\//, patternMessage: "must be an absolute path in the container" });
  const user = c.string("user", raw.user);
  const graceSeconds = c.number("grace_seconds", raw.grace_seconds, 0, 300, "seconds") ?? DEFAULT_GRACE_SECONDS;
  if (c.issues.length > 0 || image === undefined) return { issues: c.issues };
  return {
    issues: [],
    settings: { image, name, command, entrypoint, env, mounts, cpus, memoryBytes, networkMode, networks, extraHosts, labels, workingDir, user, graceSeconds },
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
    const issues = c.issues.length;
    const readOnly = c.boolean(`${path}.read_only`, m.read_only) ?? false;
    const source = volume ?? hostPath;
    if (source !== undefined && target !== undefined && c.issues.length === issues) out.push({ type: volume !== undefined ? "volume" : "bind", source, target, readOnly });
  });
  return out;
}

/** A template's own labels: den.* are Den's (dockerLabels.ts), which a template may not set or forge. */
function denFreeLabels(c: Checker, value: unknown): Record<string, string> {
  const labels = c.stringMap("labels", value);
  for (const key of Object.keys(labels)) if (key.startsWith("den.")) c.issues.push({ path: `labels.${key}`, message: "labels starting with den. are Den's own (workspace, build, resource)" });
  return labels;
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

/** Whether a container in this network mode joins a network by that name (so it may have an alias there). */
export function joinsNetwork(networkMode: string): boolean {
  return !SHARED_NETWORK_MODE.test(networkMode) && networkMode !== "bridge" && networkMode !== "default";
}

export function checkNetworkSettings(raw: Record<string, unknown>, stage: SettingsStage): Checked<NetworkSettings> {
  const c = new Checker(raw, stage === "template");
  c.unknownKeys(["name", "network_driver", "internal", "labels"], "docker network");
  const name = c.string("name", raw.name, { pattern: DOCKER_NAME, patternMessage: "must be a Docker name: letters, digits, _ . - (starting with a letter or digit)" });
  const driver = c.string("network_driver", raw.network_driver, { pattern: /^[a-z0-9][a-z0-9_.:/-]*$/, patternMessage: "must be a Docker network driver, e.g. bridge, macvlan or ipvlan" }) ?? "bridge";
  const internal = c.boolean("internal", raw.internal) ?? false;
  const labels = denFreeLabels(c, raw.labels);
  return c.issues.length > 0 ? { issues: c.issues } : { issues: [], settings: { name, driver, internal, labels } };
}

export function checkVolumeSettings(raw: Record<string, unknown>, stage: SettingsStage): Checked<VolumeSettings> {
  const c = new Checker(raw, stage === "template");
  c.unknownKeys(["name", "labels"], "docker volume");
  const name = c.string("name", raw.name, { pattern: DOCKER_NAME, patternMessage: "must be a Docker name: letters, digits, _ . - (starting with a letter or digit)" });
  const labels = denFreeLabels(c, raw.labels);
  return c.issues.length > 0 ? { issues: c.issues } : { issues: [], settings: { name, labels } };
}

/**
 * An image is either named (it must be on the Docker host or pullable) or
 * built from a Dockerfile in the template folder: `build` then holds where
 * the Dockerfile and its context are, and `name` is the repository the built
 * image is tagged in (its tag is a hash of what goes into the build).
 */
export function checkImageSettings(raw: Record<string, unknown>, stage: SettingsStage, files?: ReadonlySet<string>): Checked<ImageSettings> {
  const c = new Checker(raw, stage === "template");
  c.unknownKeys(["name", "build"], "docker image");
  if (raw.build === undefined) {
    const name = c.string("name", raw.name, { required: "the image's name (e.g. debian:bookworm), which must be on the Docker host or pullable; or build: {context, dockerfile} to build it from the template folder" });
    return c.issues.length > 0 || name === undefined ? { issues: c.issues } : { issues: [], settings: { name } };
  }
  const name = c.string("name", raw.name, { pattern: REPOSITORY, patternMessage: "with build, the repository to tag the built image in: lower-case letters, digits, . _ - and /, without a tag (the tag is the build's content hash)" });
  const build = checkImageBuild(c, raw.build, files);
  return c.issues.length > 0 || build === undefined ? { issues: c.issues } : { issues: [], settings: { name, build } };
}

function checkImageBuild(c: Checker, value: unknown, files: ReadonlySet<string> | undefined): ImageBuild | undefined {
  if (c.deferred(value)) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    c.issues.push({ path: "build", message: `must be a map {context, dockerfile, args, target}, not ${describe(value)}` });
    return undefined;
  }
  const b = value as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!BUILD_KEYS.includes(key)) c.issues.push({ path: `build.${key}`, message: `unknown build setting "${key}"; build takes ${BUILD_KEYS.join(", ")}` });
  const context = templatePath(c, "build.context", b.context ?? ".");
  const dockerfile = templatePath(c, "build.dockerfile", b.dockerfile ?? "Dockerfile");
  const args = c.stringMap("build.args", b.args, BUILD_ARG);
  const target = c.string("build.target", b.target, { pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, patternMessage: "must be the name of a stage of the Dockerfile (FROM … AS name)" });
  if (context === undefined || dockerfile === undefined) return undefined;
  if (dockerfile === "") c.issues.push({ path: "build.dockerfile", message: "must name a file, not the context folder itself" });
  else if (files) {
    const path = joinTemplatePath(context, dockerfile);
    if (!files.has(path)) c.issues.push({ path: "build.dockerfile", message: `there is no file ${path} in the template folder${b.dockerfile === undefined ? " (the default is Dockerfile in the build context)" : ""}` });
  }
  return { context, dockerfile, args, target };
}

/** A folder or file inside the template, normalised ("./a/" → "a", "." → ""); undefined when it is bad or still an expression. */
function templatePath(c: Checker, path: string, value: unknown): string | undefined {
  if (value === "") {
    c.issues.push({ path, message: 'must not be empty (the whole template folder is ".")' });
    return undefined;
  }
  const text = c.string(path, value);
  if (text === undefined) return undefined;
  const parts = text.split("/").filter((p) => p !== "" && p !== ".");
  if (text.startsWith("/") || parts.includes("..")) {
    c.issues.push({ path, message: `must be a path inside the template folder (relative, without ..), not "${text}"` });
    return undefined;
  }
  return parts.join("/");
}

/** The path of `file` (relative to the build context) from the template folder. */
export function joinTemplatePath(context: string, file: string): string {
  return context === "" ? file : `${context}/${file}`;
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
