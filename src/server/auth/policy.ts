import type { Role } from "../../sdk/schemas/users.js";
import { NotAllowedError, NotFoundError } from "../errors.js";

/**
 * The one place that decides who may do what. Routes and services call
 * `authorize` (or `can`) and never test roles themselves. Later areas add
 * resource types and rows to POLICY, not `if`s in their handlers.
 */

export type Action = "create" | "read" | "update" | "delete" | "assign";

export type ResourceType =
  /** A user account: profile and status. */
  | "user"
  /** A user's password. */
  | "user_password"
  /** A site-wide role, as something that can be given or taken away; `id` is the role. */
  | "role"
  /** Session tokens and API tokens; `ownerId` is the user they act for. */
  | "api_key"
  | "audit_log"
  /** The deployment's health and configuration; site-wide. */
  | "deployment"
  | "organization"
  /** Templates and their versions; site-wide (no ownerId). */
  | "template"
  /** Uploaded template archives; members read those of visible templates (see FileService). */
  | "file"
  /** A workspace and its builds; `ownerId` is the workspace's owner. */
  | "workspace";

export type Resource = {
  type: ResourceType;
  /** The user the resource belongs to; unset for site-wide things and collections. */
  ownerId?: string;
  /** A specific instance, where grants name instances (roles). */
  id?: string;
};

/** Whom the policy judges: the parts of an Actor it needs. */
export type Subject = { userId: string; roles: readonly Role[] };

/**
 * `own`: only resources whose ownerId is the subject. `any`: all of them.
 * `ids`, when set, limits the grant to those resource ids.
 */
export type Grant = {
  role: Role;
  action: Action;
  resource: ResourceType;
  scope: "own" | "any";
  ids?: readonly string[];
};

const NON_OWNER_ROLES = ["template-admin", "user-admin", "auditor", "member"] as const;

/** Every permission of every role. Every user also holds `member`. */
export const POLICY: readonly Grant[] = [
  // Everybody may see who else is here (as in Coder) and manage their own account and keys.
  { role: "member", action: "read", resource: "user", scope: "any" },
  { role: "member", action: "update", resource: "user_password", scope: "own" },
  { role: "member", action: "create", resource: "api_key", scope: "own" },
  { role: "member", action: "read", resource: "api_key", scope: "own" },
  { role: "member", action: "delete", resource: "api_key", scope: "own" },
  { role: "member", action: "read", resource: "organization", scope: "any" },

  { role: "owner", action: "create", resource: "user", scope: "any" },
  { role: "owner", action: "update", resource: "user", scope: "any" },
  { role: "owner", action: "update", resource: "user_password", scope: "any" },
  { role: "owner", action: "assign", resource: "role", scope: "any" },
  { role: "owner", action: "create", resource: "api_key", scope: "any" },
  { role: "owner", action: "read", resource: "api_key", scope: "any" },
  { role: "owner", action: "delete", resource: "api_key", scope: "any" },
  { role: "owner", action: "read", resource: "audit_log", scope: "any" },
  { role: "owner", action: "read", resource: "deployment", scope: "any" },

  // A user admin manages accounts but can neither make nor touch an owner.
  { role: "user-admin", action: "create", resource: "user", scope: "any" },
  { role: "user-admin", action: "update", resource: "user", scope: "any" },
  { role: "user-admin", action: "update", resource: "user_password", scope: "any" },
  { role: "user-admin", action: "assign", resource: "role", scope: "any", ids: NON_OWNER_ROLES },

  { role: "auditor", action: "read", resource: "audit_log", scope: "any" },

  // Everyone picks from the templates; owners and template admins write them (issue 3).
  { role: "member", action: "read", resource: "template", scope: "any" },
  ...(["owner", "template-admin"] as const).flatMap((role) => [
    { role, action: "create", resource: "template", scope: "any" } as const,
    { role, action: "update", resource: "template", scope: "any" } as const,
    { role, action: "delete", resource: "template", scope: "any" } as const,
    { role, action: "create", resource: "file", scope: "any" } as const,
    { role, action: "read", resource: "file", scope: "any" } as const,
  ]),

  // Members have their own workspaces; owners see and act on everyone's (issue 3).
  ...(["create", "read", "update", "delete"] as const).flatMap((action) => [
    { role: "member", action, resource: "workspace", scope: "own" } as const,
    { role: "owner", action, resource: "workspace", scope: "any" } as const,
  ]),
];

/**
 * When a subject may not do `action`, may it at least know the resource
 * exists? It may if it can read the resource type named here (the type itself
 * when absent). A role or a password is as visible as its user.
 */
const VISIBLE_AS: Partial<Record<ResourceType, ResourceType>> = {
  user_password: "user",
  role: "user",
};

function grants(subject: Subject, grant: Grant, action: Action, resource: Resource): boolean {
  if (grant.action !== action || grant.resource !== resource.type) return false;
  if (!subject.roles.includes(grant.role) && grant.role !== "member") return false;
  if (grant.ids && (resource.id === undefined || !grant.ids.includes(resource.id))) return false;
  if (grant.scope === "own") return resource.ownerId !== undefined && resource.ownerId === subject.userId;
  return true;
}

/** Whether the subject may do `action` on `resource`. */
export function can(subject: Subject, action: Action, resource: Resource): boolean {
  return POLICY.some((grant) => grants(subject, grant, action, resource));
}

/**
 * Throws unless the subject may do `action` on `resource`: NotFoundError when
 * the subject may not even know that the resource exists (someone else's
 * private resource answers exactly like a missing one), NotAllowedError
 * otherwise.
 */
export function authorize(subject: Subject, action: Action, resource: Resource, what = resourceNoun(resource.type)): void {
  if (can(subject, action, resource)) return;
  if (resource.ownerId !== undefined && resource.ownerId !== subject.userId) {
    const visibleAs = VISIBLE_AS[resource.type] ?? resource.type;
    if (!can(subject, "read", { type: visibleAs, ownerId: resource.ownerId })) throw new NotFoundError(what);
  }
  throw new NotAllowedError(`You are not allowed to ${action} this ${what.toLowerCase()}.`);
}

/**
 * A change to another user's account (status, password, roles). Besides the
 * grant for the change itself, changing an owner needs the right to assign the
 * owner role: a user admin cannot lock out, re-password or demote an owner.
 */
export function authorizeUserChange(subject: Subject, type: "user" | "user_password", target: { id: string; roles: readonly string[] }): void {
  authorize(subject, "update", { type, ownerId: target.id }, "User");
  if (target.id !== subject.userId && target.roles.includes("owner")) {
    if (!can(subject, "assign", { type: "role", id: "owner" })) throw new NotAllowedError("Only an owner may change another owner's account.");
  }
}

/** Checks that the subject may give or take away each role that changes. */
export function authorizeRoleChange(subject: Subject, target: { id: string; roles: readonly string[] }, next: readonly string[]): void {
  authorizeUserChange(subject, "user", target);
  const before = new Set(target.roles);
  const after = new Set(next);
  authorizeRoleGrant(subject, [...next.filter((r) => !before.has(r)), ...target.roles.filter((r) => !after.has(r))]);
}

/** Checks that the subject may give (or take away) each of these roles. */
export function authorizeRoleGrant(subject: Subject, roles: readonly string[]): void {
  for (const role of roles) {
    if (!can(subject, "assign", { type: "role", id: role })) {
      throw new NotAllowedError(`You are not allowed to grant or revoke the role ${role}.`);
    }
  }
}

function resourceNoun(type: ResourceType): string {
  const nouns: Record<ResourceType, string> = {
    user: "User",
    user_password: "User",
    role: "Role",
    api_key: "API key",
    audit_log: "Audit log",
    deployment: "Deployment",
    organization: "Organization",
    template: "Template",
    file: "File",
    workspace: "Workspace",
  };
  return nouns[type];
}
