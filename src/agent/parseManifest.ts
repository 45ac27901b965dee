import type { AgentAppSpec, AgentManifest, AgentMetadataSpec, AgentScript } from "../sdk/schemas/agentProtocol.js";

export class ManifestError extends Error {
  override name = "ManifestError";
}

/**
 * Checks a manifest from the server against the shape of AgentManifest in
 * src/sdk/schemas/agentProtocol.ts and fills in its defaults, naming the
 * field at fault. Written out rather than `AgentManifest.parse` because
 * loading zod would add ~10 MB to every idle agent (measured here);
 * parseManifest.test.ts checks that both accept and reject the same
 * manifests.
 */
export function parseManifest(value: unknown): AgentManifest {
  const m = object(value, "manifest");
  return {
    agent_id: string(m.agent_id, "agent_id"),
    agent_name: string(m.agent_name, "agent_name"),
    workspace_id: string(m.workspace_id, "workspace_id"),
    workspace_name: string(m.workspace_name, "workspace_name"),
    owner_name: string(m.owner_name, "owner_name"),
    owner_email: string(m.owner_email, "owner_email"),
    directory: string(m.directory, "directory"),
    env: stringRecord(m.env, "env"),
    scripts: array(m.scripts, "scripts").map((s, i) => parseScript(s, `scripts[${i}]`)),
    metadata: array(m.metadata, "metadata").map((s, i) => parseMetadata(s, `metadata[${i}]`)),
    apps: array(m.apps, "apps").map((a, i) => parseApp(a, `apps[${i}]`)),
    ssh_host_key: string(m.ssh_host_key, "ssh_host_key"),
    pty_idle_timeout: integer(m.pty_idle_timeout, "pty_idle_timeout", 1),
  };
}

function parseScript(value: unknown, field: string): AgentScript {
  const s = object(value, field);
  const runOn = string(s.run_on, `${field}.run_on`);
  if (runOn !== "start" && runOn !== "stop" && runOn !== "cron") throw new ManifestError(`${field}.run_on: must be start, stop or cron, got ${JSON.stringify(runOn)}`);
  const script: AgentScript = {
    name: string(s.name, `${field}.name`),
    run_on: runOn,
    script: string(s.script, `${field}.script`),
    blocks_login: s.blocks_login === undefined ? false : boolean(s.blocks_login, `${field}.blocks_login`),
    timeout: s.timeout === undefined ? 0 : integer(s.timeout, `${field}.timeout`, 0),
  };
  if (s.cron !== undefined) script.cron = string(s.cron, `${field}.cron`);
  return script;
}

function parseMetadata(value: unknown, field: string): AgentMetadataSpec {
  const s = object(value, field);
  return {
    key: string(s.key, `${field}.key`),
    display_name: string(s.display_name, `${field}.display_name`),
    script: string(s.script, `${field}.script`),
    interval: integer(s.interval, `${field}.interval`, 1),
    timeout: s.timeout === undefined ? 5 : integer(s.timeout, `${field}.timeout`, 1),
  };
}

function parseApp(value: unknown, field: string): AgentAppSpec {
  const a = object(value, field);
  const app: AgentAppSpec = {
    slug: string(a.slug, `${field}.slug`),
    subdomain: a.subdomain === undefined ? false : boolean(a.subdomain, `${field}.subdomain`),
    share: a.share === undefined ? "owner" : shareLevel(a.share, `${field}.share`),
    hidden: a.hidden === undefined ? false : boolean(a.hidden, `${field}.hidden`),
  };
  for (const key of ["display_name", "icon", "url", "command", "external"] as const) {
    if (a[key] !== undefined) app[key] = string(a[key], `${field}.${key}`);
  }
  if (a.order !== undefined) app.order = integer(a.order, `${field}.order`);
  if (a.healthcheck !== undefined) {
    const h = object(a.healthcheck, `${field}.healthcheck`);
    app.healthcheck = {
      url: string(h.url, `${field}.healthcheck.url`),
      interval: integer(h.interval, `${field}.healthcheck.interval`, 1),
      threshold: integer(h.threshold, `${field}.healthcheck.threshold`, 1),
    };
  }
  return app;
}

function shareLevel(value: unknown, field: string): AgentAppSpec["share"] {
  if (value !== "owner" && value !== "authenticated" && value !== "public") throw new ManifestError(`${field}: must be owner, authenticated or public, got ${JSON.stringify(value)}`);
  return value;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ManifestError(`${field}: must be an object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new ManifestError(`${field}: must be an array`);
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== "string") throw new ManifestError(`${field}: must be a string`);
  return value;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new ManifestError(`${field}: must be true or false`);
  return value;
}

function integer(value: unknown, field: string, min?: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || (min !== undefined && value < min)) {
    throw new ManifestError(`${field}: must be a whole number${min === undefined ? "" : ` from ${min}`}`);
  }
  return value;
}

function stringRecord(value: unknown, field: string): Record<string, string> {
  const record = object(value, field);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(record)) out[key] = string(v, `${field}.${key}`);
  return out;
}
