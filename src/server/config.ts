import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { DockerSettings, dockerOptions, fillFromDockerEnvironment } from "../drivers/docker/dockerOptions.js";

/**
 * Every option of `den server`, declared once. The CLI flags, the environment
 * variables, the YAML keys, the defaults and docs/server-config.md are all made
 * from this list; nothing else reads process.env for the server.
 */
export type OptionKind = "string" | "number" | "boolean" | "duration";

export type ServerOption = {
  /** Key in ServerConfig and in the YAML file. */
  key: keyof ServerConfig;
  flag: string;
  env: string;
  kind: OptionKind;
  /** Default as a person would write it; `undefined` means "computed", see `defaultNote`. */
  default: string | number | boolean | undefined;
  defaultNote?: string;
  description: string;
  secret?: boolean;
};

export const serverOptions: ServerOption[] = [
  { key: "config", flag: "--config", env: "DEN_CONFIG", kind: "string", default: "", description: "Path to a YAML file whose keys are the option names below (camelCase). Flags and environment variables override it." },
  { key: "httpAddress", flag: "--http-address", env: "DEN_HTTP_ADDRESS", kind: "string", default: "127.0.0.1:3000", description: "Address the HTTP API and dashboard listen on, host:port. Port 0 picks a free port." },
  { key: "accessUrl", flag: "--access-url", env: "DEN_ACCESS_URL", kind: "string", default: undefined, defaultNote: "http://<http-address>", description: "External URL that users and workspace agents use to reach this server." },
  { key: "dataDir", flag: "--data-dir", env: "DEN_DATA_DIR", kind: "string", default: undefined, defaultNote: "~/.local/share/den", description: "Directory for the embedded PostgreSQL and workspace data of the process driver." },
  { key: "postgresUrl", flag: "--postgres-url", env: "DEN_POSTGRES_URL", kind: "string", default: "", secret: true, description: "URL of an external PostgreSQL server (postgres://user:pass@host/db). Empty runs an embedded PostgreSQL under <data-dir>/postgres." },
  { key: "logLevel", flag: "--log-level", env: "DEN_LOG_LEVEL", kind: "string", default: "info", description: "Log level: trace, debug, info, warn, error or silent." },
  { key: "prometheusAddress", flag: "--prometheus-address", env: "DEN_PROMETHEUS_ADDRESS", kind: "string", default: "127.0.0.1:2112", description: "Address of the Prometheus /metrics listener, host:port. Empty disables it." },
  { key: "sessionDuration", flag: "--session-duration", env: "DEN_SESSION_DURATION", kind: "duration", default: "24h", description: "How long a login session lasts without use; each use extends it." },
  { key: "loginRateLimit", flag: "--login-rate-limit", env: "DEN_LOGIN_RATE_LIMIT", kind: "number", default: 60, description: "Login attempts allowed per IP address per minute. 0 disables the limit." },
  { key: "apiRateLimit", flag: "--api-rate-limit", env: "DEN_API_RATE_LIMIT", kind: "number", default: 512, description: "API requests allowed per user (or per IP when anonymous) per minute. 0 disables the limit." },
  { key: "provisionerDaemons", flag: "--provisioner-daemons", env: "DEN_PROVISIONER_DAEMONS", kind: "number", default: 3, description: "Number of provisioner daemons run inside the server process." },
  { key: "ptyIdleTimeout", flag: "--pty-idle-timeout", env: "DEN_PTY_IDLE_TIMEOUT", kind: "duration", default: "1h", description: "How long a web terminal session with no client attached is kept before it ends." },
  { key: "agentDir", flag: "--agent-dir", env: "DEN_AGENT_DIR", kind: "string", default: "", defaultNote: "<den package>/dist/agent", description: "Folder of the agent tarballs (den-agent-linux-<arch>.tar.gz, built by `npm run build`) served at /bin/ to workspaces." },
  ...dockerOptions,
  { key: "wildcardAccessUrl", flag: "--wildcard-access-url", env: "DEN_WILDCARD_ACCESS_URL", kind: "string", default: "", description: "Host pattern of subdomain apps and port URLs, *.<suffix>[:port], e.g. *.den.localhost:3000; the scheme is the access URL's. Needs a wildcard DNS record (and TLS certificate) for the pattern; *.localhost needs none. Empty: apps are served by path only and ports cannot be opened in a browser." },
  { key: "disablePathApps", flag: "--disable-path-apps", env: "DEN_DISABLE_PATH_APPS", kind: "boolean", default: false, description: "Refuse path-based apps (/@user/workspace/apps/slug/): they share the dashboard's origin, so their scripts act with the session of whoever opens them. Subdomain apps keep working." },
  { key: "dangerousAllowPathAppSharing", flag: "--dangerous-allow-path-app-sharing", env: "DEN_DANGEROUS_ALLOW_PATH_APP_SHARING", kind: "boolean", default: false, description: "Honour the share level of path-based apps. Without it they open for their owner only, because a shared path app's scripts could act as any user who opens it." },
  { key: "dangerousAllowPathAppSiteOwnerAccess", flag: "--dangerous-allow-path-app-site-owner-access", env: "DEN_DANGEROUS_ALLOW_PATH_APP_SITE_OWNER_ACCESS", kind: "boolean", default: false, description: "Let site owners open other users' path-based apps, whose scripts would then run with the site owner's session." },
  { key: "provisionerPsk", flag: "--provisioner-psk", env: "DEN_PROVISIONER_PSK", kind: "string", default: "", secret: true, description: "Pre-shared key that external provisioner daemons (`den provisioner start`) present. Empty refuses external provisioners." },
];

const Duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, "must be a duration such as 30s, 15m, 24h or 7d");
/** `*.` then at least one DNS label, optionally a port. */
const WILDCARD_HOST = /^\*\.(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?::\d{1,5})?$/i;
const HostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be host:port");

export const ServerConfig = z.object({
  config: z.string(),
  httpAddress: HostPort,
  accessUrl: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }),
  dataDir: z.string().min(1),
  postgresUrl: z.string().refine((v) => v === "" || /^postgres(ql)?:\/\//.test(v), "must start with postgres://"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]),
  prometheusAddress: z.union([z.literal(""), HostPort]),
  sessionDuration: Duration,
  loginRateLimit: z.number().int().min(0),
  apiRateLimit: z.number().int().min(0),
  provisionerDaemons: z.number().int().min(0).max(64),
  provisionerPsk: z.string(),
  agentDir: z.string(),
  ...DockerSettings.shape,
  ptyIdleTimeout: Duration,
  wildcardAccessUrl: z.string().refine((v) => v === "" || WILDCARD_HOST.test(v), "must be a host pattern *.<suffix>[:port], e.g. *.den.localhost:3000 (no scheme, no path)"),
  disablePathApps: z.boolean(),
  dangerousAllowPathAppSharing: z.boolean(),
  dangerousAllowPathAppSiteOwnerAccess: z.boolean(),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

/** Parses "90s", "15m", "24h", "7d" into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}: use a number with ms, s, m, h or d`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Resolves the configuration: flag, then environment, then the YAML file, then
 * the default. `flags` holds only options given on the command line.
 */
export function loadServerConfig(flags: Partial<Record<keyof ServerConfig, unknown>>, env: NodeJS.ProcessEnv): ServerConfig {
  const configPath = (flags.config as string | undefined) ?? env.DEN_CONFIG ?? "";
  const fromFile = configPath ? readYamlConfig(configPath) : {};
  const raw: Record<string, unknown> = {};
  for (const opt of serverOptions) {
    let value: unknown = flags[opt.key];
    let source = `flag ${opt.flag}`;
    if (value === undefined && env[opt.env] !== undefined) {
      value = env[opt.env];
      source = `environment variable ${opt.env}`;
    }
    if (value === undefined && opt.key in fromFile) {
      value = fromFile[opt.key];
      source = `key ${opt.key} in ${configPath}`;
    }
    if (value === undefined) {
      value = opt.default;
      source = "default";
    }
    raw[opt.key] = coerce(opt, value, source);
  }
  if (raw.dataDir === undefined) raw.dataDir = join(env.HOME || homedir(), ".local", "share", "den");
  if (raw.accessUrl === undefined) raw.accessUrl = `http://${raw.httpAddress as string}`;
  fillFromDockerEnvironment(raw, env);
  const parsed = ServerConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const opt = serverOptions.find((o) => o.key === issue.path[0]);
    throw new ConfigError(`${opt ? `${opt.flag} (${opt.env})` : String(issue.path[0])}: ${issue.message}`);
  }
  if (parsed.data.sessionDuration) parseDuration(parsed.data.sessionDuration);
  return parsed.data;
}

function coerce(opt: ServerOption, value: unknown, source: string): unknown {
  if (value === undefined) return undefined;
  switch (opt.kind) {
    case "number": {
      const n = typeof value === "number" ? value : Number(String(value).trim());
      if (!Number.isFinite(n) || String(value).trim() === "") throw new ConfigError(`${opt.flag} (${opt.env}): must be a number, got ${JSON.stringify(value)} from ${source}`);
      return n;
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (/^(true|1|yes)$/i.test(String(value))) return true;
      if (/^(false|0|no)$/i.test(String(value))) return false;
      throw new ConfigError(`${opt.flag} (${opt.env}): must be true or false, got ${JSON.stringify(value)} from ${source}`);
    default:
      return String(value);
  }
}

function readYamlConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ConfigError(`--config: cannot read ${path}: ${(cause as Error).message}`);
  }
  const doc: unknown = parseYaml(text);
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError(`--config: ${path} must hold a mapping of option names to values`);
  const known = new Set(serverOptions.map((o) => o.key as string));
  for (const key of Object.keys(doc)) {
    if (!known.has(key)) throw new ConfigError(`--config: unknown key ${JSON.stringify(key)} in ${path}`);
  }
  return doc as Record<string, unknown>;
}
