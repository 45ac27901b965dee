import type { ParameterSpec } from "../../sdk/schemas/templates.js";

/**
 * A parsed and checked den.yaml. Plain data (it survives JSON), with the
 * positions of every value in `source` so that later checks — a driver
 * refusing a setting, an expression failing at build time — can still name
 * file:line:column.
 */

export type Position = { file: string; line: number; column: number };

/** A path of keys and indexes in den.yaml, e.g. ["resources", "box", "command", 2]. */
export type TemplatePath = readonly (string | number)[];

export type Lifetime = "persistent" | "ephemeral";

export type ResourceDecl = {
  driver: string;
  kind: string;
  lifetime: Lifetime;
  /** Every key but driver, kind, lifetime and depends_on, raw: strings may still hold `${{ }}`. */
  settings: Record<string, unknown>;
  /** Resources to create before this one: the declared depends_on plus every resources.<name> it or its agents read. */
  depends_on: string[];
};

export type ScriptDecl = {
  name: string;
  run_on: "start" | "stop" | "cron";
  cron?: string;
  script: string;
  blocks_login: boolean;
  /** Seconds; 0 means no limit. */
  timeout: number;
};

export type AppShare = "owner" | "authenticated" | "public";

export type AppDecl = {
  slug: string;
  display_name: string;
  icon?: string;
  url?: string;
  command?: string;
  external?: string;
  subdomain: boolean;
  share: AppShare;
  healthcheck?: { url: string; interval: number; threshold: number };
  hidden: boolean;
  order: number;
};

export type MetadataDecl = { key: string; display_name: string; script: string; interval: number; timeout: number };

export type AgentDecl = {
  resource: string;
  dir?: string;
  env: Record<string, string>;
  /** Seconds to wait for the agent to connect; 0 means no limit. */
  connection_timeout: number;
  scripts: ScriptDecl[];
  apps: AppDecl[];
  metadata: MetadataDecl[];
};

export type TemplateSource = {
  /** The den.yaml file name used in positions. */
  file: string;
  /** JSON Pointer of a den.yaml path → [line, column] where its value starts. */
  positions: Record<string, [number, number]>;
  /** JSON Pointer of a string → [line, column] of each of its `${{`, in order; null where escapes hide it. */
  expressions: Record<string, ([number, number] | null)[]>;
};

export type TemplateSpec = {
  name?: string;
  display_name?: string;
  description?: string;
  icon?: string;
  cost: number;
  max_port_share_level: AppShare;
  parameters: ParameterSpec[];
  resources: Record<string, ResourceDecl>;
  agents: Record<string, AgentDecl>;
  source: TemplateSource;
};

/** RFC 6901 JSON Pointer of a path, the key of the position maps. */
export function pathPointer(path: TemplatePath): string {
  return path.map((segment) => `/${String(segment).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

/**
 * Where a den.yaml path is, or the closest enclosing value that has a
 * position (a missing key is reported at its parent); 1:1 as a last resort.
 * With `expressionIndex`, where that `${{` of the string starts.
 */
export function positionOf(template: Pick<TemplateSpec, "source">, path: TemplatePath, expressionIndex?: number): Position {
  const { source } = template;
  if (expressionIndex !== undefined) {
    const exact = expressionPositionOf(template, path, expressionIndex);
    if (exact) return exact;
  }
  for (let length = path.length; length >= 0; length -= 1) {
    const found = source.positions[pathPointer(path.slice(0, length))];
    if (found) return { file: source.file, line: found[0], column: found[1] };
  }
  return { file: source.file, line: 1, column: 1 };
}

/** The exact position of one `${{` in a string, when it is known. */
export function expressionPositionOf(template: Pick<TemplateSpec, "source">, path: TemplatePath, expressionIndex: number): Position | undefined {
  const found = template.source.expressions[pathPointer(path)]?.[expressionIndex];
  return found ? { file: template.source.file, line: found[0], column: found[1] } : undefined;
}
