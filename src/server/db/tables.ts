import type { ColumnType, Generated, GeneratedAlways } from "kysely";
import type { WorkspaceTables } from "./workspaceTables.js";

/**
 * The tables as Kysely sees them. Keep in step with ./migrations: a column
 * added there is added here in the same commit.
 */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string, string>;

export type OrganizationsTable = {
  id: Generated<string>;
  name: string;
  display_name: string;
  description: Generated<string>;
  is_default: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type UsersTable = {
  id: Generated<string>;
  username: string;
  email: string;
  name: Generated<string>;
  hashed_password: string;
  status: Generated<"active" | "suspended">;
  roles: Generated<string[]>;
  deleted: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  last_seen_at: Date | null;
};

export type OrganizationMembersTable = {
  organization_id: string;
  user_id: string;
  roles: Generated<string[]>;
  created_at: CreatedAt;
};

export type ApiKeysTable = {
  id: string;
  hashed_secret: Buffer;
  user_id: string;
  login_type: "password" | "token";
  token_name: Generated<string>;
  lifetime_seconds: number;
  expires_at: Date;
  last_used: Date | null;
  ip_address: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type AuditLogsTable = {
  id: Generated<string>;
  time: CreatedAt;
  user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  resource_target: Generated<string>;
  diff: Json;
  status_code: number;
  additional_fields: Json;
  request_id: string | null;
  seq: GeneratedAlways<number>;
};

/** Migration 0005: secrets shared by the replicas, e.g. the app token signing key. */
export type DeploymentSecretsTable = {
  name: string;
  value: Buffer;
  created_at: CreatedAt;
};

export type Tables = WorkspaceTables & {
  organizations: OrganizationsTable;
  users: UsersTable;
  organization_members: OrganizationMembersTable;
  api_keys: ApiKeysTable;
  audit_logs: AuditLogsTable;
  deployment_secrets: DeploymentSecretsTable;
};
