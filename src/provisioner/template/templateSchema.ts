import { z } from "zod";
import { NameLabel } from "../../sdk/schemas/common.js";
import { ParameterName, ParameterType, ParameterValidation } from "../../sdk/schemas/templates.js";

/**
 * The schema of `den.yaml` as people write it. It is strict (an unknown key
 * is an error, so nothing declared is silently ignored) and carries titles
 * and descriptions so that editors using the JSON Schema show help. Checks
 * that need the whole template (references, cycles, duplicates, defaults
 * against their own validation) live in parseTemplate.ts; driver settings
 * are checked by the drivers.
 */

const EXPRESSION = "${{";

/** Identifiers the agent and URLs rely on may not be computed by an expression. */
const noExpression = (value: string) => !value.includes(EXPRESSION);

const Label = NameLabel.meta({ description: "A DNS label: lower-case letters, digits and inner dashes (never two in a row: '--' separates the parts of app hostnames), at most 32 characters." });

const Icon = z.string().max(1024).meta({ description: "A URL or server path of an icon, e.g. /icon/terminal.svg." });

const YamlScalar = z.union([z.string(), z.number(), z.boolean()], { error: "must be a string, a number or a bool" });

const Seconds = (description: string, max = 86_400) => z.number().int("must be a whole number of seconds").min(0).max(max).meta({ description });

const ParameterOptionInput = z
  .object({
    name: z.string().min(1).max(128).meta({ description: "What the user sees in a picker." }),
    value: YamlScalar.meta({ description: "The value; its type must match the parameter's type." }),
    description: z.string().max(1024).optional(),
    icon: Icon.optional(),
  })
  .strict();

export const ParameterInput = z
  .object({
    name: ParameterName.meta({ description: "Referred to as params.<name> in expressions and as --parameter name=value by the CLI." }),
    display_name: z.string().max(128).optional().meta({ description: "Label shown instead of the name." }),
    description: z.string().max(4096).optional().meta({ description: "Help text (Markdown) shown next to the input." }),
    icon: Icon.optional(),
    type: ParameterType.default("string").meta({ description: "string, number, bool or list(string)." }),
    default: z
      .union([z.string(), z.number(), z.boolean(), z.array(z.string())], { error: "must be a string, a number, a bool or a list of strings" })
      .optional()
      .meta({ description: "Value used when none is given. A parameter without a default is required." }),
    mutable: z.boolean().default(false).meta({ description: "May change on later builds; immutable parameters are fixed at creation." }),
    ephemeral: z.boolean().default(false).meta({ description: "Used for one build only, never remembered; must be mutable and have a default." }),
    options: z.array(ParameterOptionInput).min(1).max(64).optional().meta({ description: "The only values allowed (a picker)." }),
    validation: ParameterValidation.optional().meta({
      description: "{regex, error} for strings and lists, {min, max, error?, monotonic?} for numbers. error may use {value}, {min}, {max}.",
    }),
    order: z.number().int().optional().meta({ description: "Position in forms; lower comes first." }),
  })
  .strict()
  .meta({ title: "Parameter", description: "A typed input the user gives when creating or updating a workspace." });
export type ParameterInput = z.output<typeof ParameterInput>;

export const Lifetime = z.enum(["persistent", "ephemeral"]);
export type Lifetime = z.infer<typeof Lifetime>;

/** Keys a resource understands itself; every other key is a driver setting. */
export const RESOURCE_KEYS = ["driver", "kind", "lifetime", "depends_on"] as const;

export const ResourceInput = z
  .object({
    driver: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, "must be a driver name such as process, docker or kubernetes")
      .meta({ description: "The driver that creates this resource: process, docker, kubernetes." }),
    kind: z
      .string()
      .regex(/^[a-z][a-z0-9._-]*$/, "must be a kind name such as directory or process")
      .meta({ description: "What the driver creates, e.g. directory or process for the process driver." }),
    lifetime: Lifetime.optional().meta({
      description: "persistent: created on first start, kept while stopped, destroyed on delete. ephemeral: created on start, destroyed on stop.",
    }),
    depends_on: z
      .array(Label)
      .max(100)
      .optional()
      .meta({ description: "Resources to create first, besides those this one refers to through resources.<name>.<output>." }),
  })
  .catchall(z.unknown().meta({ description: "A driver setting; values may contain ${{ }} expressions." }))
  .meta({ title: "Resource", description: "Infrastructure a driver creates. Keys other than driver, kind, lifetime and depends_on are driver settings." });
export type ResourceInput = z.output<typeof ResourceInput>;

const SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9_. -]*$/;
const CRON = /^(?:@(?:yearly|annually|monthly|weekly|daily|hourly)|[0-9*/,?A-Za-z#-]+(?:\s+[0-9*/,?A-Za-z#-]+){4,5})$/;

export const ScriptInput = z
  .object({
    name: z.string().max(64).regex(SCRIPT_NAME, "must start with a letter or digit and hold only letters, digits, spaces, '_', '.' and '-'"),
    run_on: z.enum(["start", "stop", "cron"]).meta({ description: "start: when the agent starts; stop: before the resource is destroyed; cron: on a schedule." }),
    cron: z
      .string()
      .regex(CRON, "must be a cron schedule of 5 fields (minute hour day month weekday), 6 with seconds first, or @daily-style")
      .optional()
      .meta({ description: "Schedule for run_on: cron." }),
    script: z.string().min(1, "must not be empty").max(1_000_000).meta({ description: "Shell script, run with sh -c in the agent's directory." }),
    blocks_login: z.boolean().default(false).meta({ description: "Logins wait until this start script has finished." }),
    timeout: Seconds("Seconds before the script is stopped and counted as failed; 0 means no limit.").default(0),
  })
  .strict()
  .superRefine((script, ctx) => {
    if (script.run_on === "cron" && script.cron === undefined) ctx.addIssue({ code: "custom", path: ["cron"], message: "is required when run_on is cron" });
    if (script.run_on !== "cron" && script.cron !== undefined) ctx.addIssue({ code: "custom", path: ["cron"], message: "is only allowed when run_on is cron" });
    if (script.run_on !== "start" && script.blocks_login) ctx.addIssue({ code: "custom", path: ["blocks_login"], message: "only start scripts can block logins" });
  })
  .meta({ title: "Script" });

export const HealthcheckInput = z
  .object({
    url: z.string().min(1).max(2048).meta({ description: "URL inside the workspace that answers 2xx or 3xx when the app is healthy." }),
    interval: Seconds("Seconds between checks.", 3600).min(1).default(5),
    threshold: z.number().int().min(1).max(100).default(6).meta({ description: "Failed checks in a row before the app is unhealthy." }),
  })
  .strict();

export const AppInput = z
  .object({
    slug: Label.meta({ description: "Unique within the agent; part of the app's URL." }),
    display_name: z.string().max(128).optional(),
    icon: Icon.optional(),
    url: z.string().max(2048).optional().meta({ description: "HTTP URL inside the workspace, proxied through the agent." }),
    command: z.string().max(65_536).optional().meta({ description: "Command opened in the web terminal." }),
    external: z.string().max(2048).optional().meta({ description: "URL opened on the user's machine, e.g. vscode://..." }),
    subdomain: z.boolean().default(false).meta({ description: "Serve on its own subdomain (needs --wildcard-access-url)." }),
    share: z.enum(["owner", "authenticated", "public"]).default("owner").meta({ description: "Who may open it." }),
    healthcheck: HealthcheckInput.optional(),
    hidden: z.boolean().default(false),
    order: z.number().int().default(0),
  })
  .strict()
  .superRefine((app, ctx) => {
    const targets = (["url", "command", "external"] as const).filter((key) => app[key] !== undefined);
    if (targets.length !== 1) {
      ctx.addIssue({ code: "custom", path: [], message: `an app needs exactly one of url, command or external (has ${targets.length > 0 ? targets.join(", ") : "none"})` });
    }
    for (const key of ["url", "external"] as const) {
      const problem = urlProblem(app[key], key === "url" ? ["http:", "https:"] : undefined);
      if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
    }
    const health = urlProblem(app.healthcheck?.url, ["http:", "https:"]);
    if (health) ctx.addIssue({ code: "custom", path: ["healthcheck", "url"], message: health });
    if (app.healthcheck && app.url === undefined) ctx.addIssue({ code: "custom", path: ["healthcheck"], message: "only apps with a url have a health check" });
    if (app.subdomain && app.url === undefined) ctx.addIssue({ code: "custom", path: ["subdomain"], message: "only apps with a url are served on a subdomain" });
  })
  .meta({ title: "App" });

export const MetadataInput = z
  .object({
    key: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, "must hold only letters, digits, '_', '.' and '-'"),
    display_name: z.string().max(128).optional(),
    script: z.string().min(1, "must not be empty").max(65_536).meta({ description: "Shell command whose output is the value." }),
    interval: Seconds("Seconds between runs.").min(1).default(10),
    timeout: Seconds("Seconds before a run is stopped.").min(1).default(5),
  })
  .strict()
  .meta({ title: "Metadata", description: "A value the agent computes periodically and the dashboard shows." });

export const AgentInput = z
  .object({
    resource: Label.meta({ description: "The resource this agent runs in." }),
    dir: z.string().max(4096).optional().meta({ description: "Working directory of sessions and scripts." }),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must hold only letters, digits and _, and not start with a digit"), YamlScalar)
      .default({})
      .meta({ description: "Environment of every session and script." }),
    connection_timeout: Seconds("Seconds to wait for the agent to connect before its status is timeout; 0 means no limit.").default(120),
    scripts: z.array(ScriptInput).max(100).default([]),
    apps: z.array(AppInput).max(100).default([]),
    metadata: z.array(MetadataInput).max(100).default([]),
  })
  .strict()
  .meta({ title: "Agent", description: "The Den agent in a resource: scripts, apps and metadata." });
export type AgentInput = z.output<typeof AgentInput>;

export const TemplateFile = z
  .object({
    name: Label.optional().meta({ description: "The template's name; den templates push sets it when absent." }),
    display_name: z.string().max(128).optional(),
    description: z.string().max(4096).optional(),
    icon: Icon.optional(),
    cost: z.number().int().min(0).max(1_000_000).default(0).meta({ description: "Daily cost of a workspace, for quotas." }),
    max_port_share_level: z
      .enum(["owner", "authenticated", "public"])
      .default("owner")
      .meta({ description: "Highest level at which users may share a workspace's ports." }),
    parameters: z.array(ParameterInput).max(100).default([]),
    resources: z.record(Label, ResourceInput).default({}),
    agents: z.record(Label, AgentInput).default({}),
  })
  .strict()
  .meta({ title: "Den template (den.yaml)", description: "A template: parameters, resources made by drivers, and agents." });

/** True when the string holds an expression that is only known at build time. */
export function hasExpression(value: string): boolean {
  return value.includes(EXPRESSION);
}

function urlProblem(value: string | undefined, protocols: string[] | undefined): string | undefined {
  if (value === undefined || !noExpression(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${JSON.stringify(value)} is not a URL`;
  }
  if (protocols && !protocols.includes(url.protocol)) return `must be an ${protocols.map((p) => p.slice(0, -1)).join(" or ")} URL`;
  return undefined;
}

/** The JSON Schema of den.yaml, for editors and `den templates schema`. */
export function templateJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(TemplateFile, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}
