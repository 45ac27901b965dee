import { z } from "zod";
import { NameLabel, PageQuery, Timestamp, Uuid } from "./common.js";
import { ProvisionerJob } from "./provisionerJobs.js";
import { MAX_PARAMETER_VALUE_LENGTH } from "./templates.js";

/**
 * Workspaces and their builds as the API, the CLI and the dashboard see them.
 * Shaped after Coder's: a workspace's status is derived from its latest build.
 */

export const WorkspaceTransition = z.enum(["start", "stop", "delete"]);
export type WorkspaceTransition = z.infer<typeof WorkspaceTransition>;

export const WorkspaceStatus = z.enum(["pending", "starting", "running", "stopping", "stopped", "failed", "canceling", "canceled", "deleting", "deleted"]);
export type WorkspaceStatus = z.infer<typeof WorkspaceStatus>;

/** A workspace name ends up in host names (`den.<name>`): a DNS label. */
export const WorkspaceName = NameLabel;

/** Values travel as strings, whatever the parameter's type (see schemas/templates.ts). */
export const WorkspaceBuildParameter = z
  .object({
    name: z.string().min(1).max(64),
    value: z.string().max(MAX_PARAMETER_VALUE_LENGTH),
  })
  .strict();
export type WorkspaceBuildParameter = z.infer<typeof WorkspaceBuildParameter>;

const ParameterValues = z.array(WorkspaceBuildParameter).max(200);

/** A resource a build created, from the build's recorded state. */
export const WorkspaceResource = z.object({
  name: z.string(),
  driver: z.string(),
  kind: z.string(),
  lifetime: z.enum(["persistent", "ephemeral"]),
  /** What the driver reports, e.g. `path` of a directory or `pid` of a process. */
  outputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});
export type WorkspaceResource = z.infer<typeof WorkspaceResource>;

/** `connecting` until the agent first dials in. */
export const WorkspaceAgentStatus = z.enum(["connecting", "connected", "disconnected", "timeout"]);
export type WorkspaceAgentStatus = z.infer<typeof WorkspaceAgentStatus>;

export const WorkspaceAgent = z.object({
  id: Uuid,
  name: z.string(),
  resource_name: z.string(),
  status: WorkspaceAgentStatus,
  lifecycle_state: z.string(),
  created_at: Timestamp,
  first_connected_at: Timestamp.nullable(),
  last_connected_at: Timestamp.nullable(),
  /** For start_error and friends: the failing script, its exit code and the tail of its output. */
  lifecycle_detail: z.string(),
  /** The agent's working directory in the workspace. */
  directory: z.string(),
  /** The template's metadata items with the values the agent last reported. */
  metadata: z.array(
    z.object({ key: z.string(), display_name: z.string(), value: z.string(), error: z.string(), collected_at: Timestamp.nullable() }),
  ),
  apps: z.array(
    z.object({
      slug: z.string(),
      display_name: z.string(),
      icon: z.string().optional(),
      url: z.string().optional(),
      command: z.string().optional(),
      external: z.string().optional(),
      subdomain: z.boolean(),
      share: z.enum(["owner", "authenticated", "public"]),
      hidden: z.boolean(),
      /** Position among the agent's apps, lower first (den.yaml `order`, 0 when not set). */
      order: z.number().int().optional(),
      health: z.enum(["disabled", "initializing", "healthy", "unhealthy"]),
    }),
  ),
});
export type WorkspaceAgent = z.infer<typeof WorkspaceAgent>;

export const WorkspaceBuild = z.object({
  id: Uuid,
  workspace_id: Uuid,
  workspace_name: z.string(),
  workspace_owner_id: Uuid,
  workspace_owner_name: z.string(),
  build_number: z.number().int(),
  transition: WorkspaceTransition,
  /** The workspace status this build stands for (see deriveWorkspaceStatus). */
  status: WorkspaceStatus,
  template_version_id: Uuid,
  template_version_name: z.string(),
  initiator_id: Uuid.nullable(),
  initiator_name: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
  job: ProvisionerJob,
  resources: z.array(WorkspaceResource),
  parameters: z.array(WorkspaceBuildParameter),
});
export type WorkspaceBuild = z.infer<typeof WorkspaceBuild>;

export const Workspace = z.object({
  id: Uuid,
  name: z.string(),
  owner_id: Uuid,
  owner_name: z.string(),
  organization_id: Uuid,
  template_id: Uuid,
  template_name: z.string(),
  template_display_name: z.string(),
  template_icon: z.string(),
  template_active_version_id: Uuid.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  last_used_at: Timestamp,
  deleted: z.boolean(),
  status: WorkspaceStatus,
  /** The latest build used another version than the template's active one: `den update` moves it. */
  outdated: z.boolean(),
  latest_build: WorkspaceBuild,
  /** The agents of the latest build. */
  agents: z.array(WorkspaceAgent),
});
export type Workspace = z.infer<typeof Workspace>;

export const CreateWorkspaceRequest = z
  .object({
    name: WorkspaceName,
    template_id: Uuid.optional().meta({ description: "Build from this template's active version." }),
    template_version_id: Uuid.optional().meta({ description: "Build from this version instead (of a template)." }),
    rich_parameter_values: ParameterValues.default([]),
  })
  .strict()
  .superRefine((req, ctx) => {
    if ((req.template_id === undefined) === (req.template_version_id === undefined)) {
      ctx.addIssue({ code: "custom", path: ["template_id"], message: "give exactly one of template_id and template_version_id" });
    }
  });
export type CreateWorkspaceRequest = z.input<typeof CreateWorkspaceRequest>;

export const CreateWorkspaceBuildRequest = z
  .object({
    transition: WorkspaceTransition,
    template_version_id: Uuid.optional().meta({ description: "Start with this version of the workspace's template (default: the version of the latest build)." }),
    rich_parameter_values: ParameterValues.optional().meta({
      description: "Changed parameter values (start only); the others carry over from the latest build.",
    }),
  })
  .strict();
export type CreateWorkspaceBuildRequest = z.input<typeof CreateWorkspaceBuildRequest>;

export const UpdateWorkspaceRequest = z.object({ name: WorkspaceName.optional() }).strict();
export type UpdateWorkspaceRequest = z.infer<typeof UpdateWorkspaceRequest>;

/**
 * `q` is space-separated `key:value` filters: owner:<username|me>,
 * template:<name>, status:<status>, name:<part of the name>; a bare word
 * matches part of the name too.
 */
export const ListWorkspacesQuery = PageQuery.extend({ q: z.string().max(512).optional() });
export const ListWorkspacesResponse = z.object({ workspaces: z.array(Workspace), count: z.number().int() });
export type ListWorkspacesResponse = z.infer<typeof ListWorkspacesResponse>;

export const GetWorkspaceQuery = z.object({ include_deleted: z.enum(["true", "false"]).optional() }).strict();

export const ListWorkspaceBuildsQuery = PageQuery;
export const ListWorkspaceBuildsResponse = z.array(WorkspaceBuild);

/** Server-sent events of GET /workspaces/{id}/watch: `event: data` carries a Workspace; `:` lines are heartbeats. */
export const WORKSPACE_WATCH_EVENT = "data";
