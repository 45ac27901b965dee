import type { ColumnType, Generated } from "kysely";

/** Tables of migration 0002: files, templates, jobs, workspaces, builds, agents. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb: pg parses it on read; we write JSON text. */
type Json<T> = ColumnType<T, string, string>;

export type JobType = "template_version_import" | "workspace_build";
export type JobStatus = "pending" | "running" | "succeeded" | "failed" | "canceling" | "canceled";
export type Transition = "start" | "stop" | "delete";

export type FilesTable = {
  id: Generated<string>;
  hash: string;
  mimetype: string;
  data: Buffer;
  created_by: string | null;
  created_at: CreatedAt;
};

export type ProvisionerJobsTable = {
  id: Generated<string>;
  type: JobType;
  organization_id: string;
  initiator_id: string | null;
  input: Json<Record<string, unknown>>;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  worker_id: string | null;
  error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  started_at: Date | null;
  heartbeat_at: Date | null;
  completed_at: Date | null;
};

export type ProvisionerJobLogsTable = {
  id: Generated<number>;
  job_id: string;
  created_at: CreatedAt;
  stage: Generated<string>;
  level: "trace" | "debug" | "info" | "warn" | "error";
  output: string;
};

export type TemplatesTable = {
  id: Generated<string>;
  organization_id: string;
  name: string;
  display_name: Generated<string>;
  description: Generated<string>;
  icon: Generated<string>;
  active_version_id: string | null;
  created_by: string | null;
  deleted: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type TemplateVersionsTable = {
  id: Generated<string>;
  template_id: string | null;
  organization_id: string;
  name: string;
  message: Generated<string>;
  file_id: string;
  job_id: string;
  spec: ColumnType<unknown, string | null, string | null>;
  readme: Generated<string>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type WorkspacesTable = {
  id: Generated<string>;
  organization_id: string;
  owner_id: string;
  template_id: string;
  name: string;
  deleted: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  last_used_at: ColumnType<Date, Date | string | undefined, Date | string>;
  ssh_host_key: string | null;
};

export type WorkspaceBuildsTable = {
  id: Generated<string>;
  workspace_id: string;
  template_version_id: string;
  build_number: number;
  transition: Transition;
  initiator_id: string | null;
  job_id: string;
  parameters: Json<Record<string, string>>;
  state: Json<unknown[]>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type WorkspaceAgentsTable = {
  id: Generated<string>;
  workspace_id: string;
  build_id: string;
  name: string;
  resource_name: string;
  token_hash: Buffer;
  spec: Json<Record<string, unknown>>;
  lifecycle_state: Generated<string>;
  first_connected_at: Date | null;
  last_connected_at: Date | null;
  disconnected_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  lifecycle_detail: Generated<string>;
  metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
  app_health: ColumnType<Record<string, string>, string | undefined, string>;
  stats: ColumnType<Record<string, unknown> | null, string | undefined, string>;
  connected_replica: string | null;
  ready_at: Date | null;
};

export type WorkspaceAgentLogsTable = {
  id: Generated<number>;
  agent_id: string;
  created_at: Date | string;
  source: string;
  level: string;
  output: string;
};

export type ConnectionLogsTable = {
  id: Generated<string>;
  started_at: CreatedAt;
  ended_at: Date | null;
  user_id: string | null;
  workspace_id: string;
  agent_id: string | null;
  type: "ssh" | "pty" | "port-forward";
  ip: string | null;
  bytes_in: Generated<number>;
  bytes_out: Generated<number>;
  detail: Generated<string>;
};

/** Migration 0004: ports shared beyond the workspace's owner. */
export type WorkspacePortSharesTable = {
  workspace_id: string;
  agent_name: string;
  port: number;
  share_level: "authenticated" | "public";
  protocol: ColumnType<"http" | "https", "http" | "https" | undefined, "http" | "https">;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type WorkspaceTables = {
  files: FilesTable;
  provisioner_jobs: ProvisionerJobsTable;
  provisioner_job_logs: ProvisionerJobLogsTable;
  templates: TemplatesTable;
  template_versions: TemplateVersionsTable;
  workspaces: WorkspacesTable;
  workspace_builds: WorkspaceBuildsTable;
  workspace_agents: WorkspaceAgentsTable;
  workspace_agent_logs: WorkspaceAgentLogsTable;
  connection_logs: ConnectionLogsTable;
  workspace_port_shares: WorkspacePortSharesTable;
};
