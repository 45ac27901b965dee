import type { Role } from "../../sdk/schemas/users.js";
import { can } from "../auth/policy.js";

/** Who may open an app or port: its owner, any logged-in user, or anyone. */
export type ShareLevel = "owner" | "authenticated" | "public";

/** The user asking, as far as the proxy knows them; null when anonymous. */
export type Viewer = { userId: string; roles: readonly Role[] } | null;

/**
 * `allowed`: proxy the request. `login`: an anonymous visitor may be allowed
 * once logged in. `hidden`: logged in and not allowed; answered like an
 * unknown app, so that other users' workspaces cannot be discovered.
 */
export type AccessDecision = "allowed" | "login" | "hidden";

export type AccessQuestion = {
  level: ShareLevel;
  viewer: Viewer;
  /** The owner of the workspace the URL names. */
  ownerId: string;
  /** Whether a site owner may open another user's owner-level app (always for subdomain apps; path apps only with the dangerous flag). */
  siteOwnerAllowed: boolean;
};

export function decideAccess(q: AccessQuestion): AccessDecision {
  if (q.level === "public") return "allowed";
  if (!q.viewer) return "login";
  if (q.level === "authenticated") return "allowed";
  if (q.viewer.userId === q.ownerId) return "allowed";
  // The policy decides who may act on another user's workspace (site owners).
  if (q.siteOwnerAllowed && can(q.viewer, "update", { type: "workspace", ownerId: q.ownerId })) return "allowed";
  return "hidden";
}

/**
 * A path app runs on the dashboard's origin: its scripts can call the API
 * with the session of whoever opens it. So its share level only counts with
 * --dangerous-allow-path-app-sharing; otherwise it is the owner's alone.
 */
export function pathAppLevel(share: ShareLevel, dangerousAllowSharing: boolean): ShareLevel {
  return dangerousAllowSharing ? share : "owner";
}
