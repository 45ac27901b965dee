import { z } from "zod";
import { Timestamp, Uuid } from "./common.js";

/**
 * Ports of a workspace shared beyond its owner, reached through the app proxy
 * at `<port>--<agent>--<workspace>--<user>.<wildcard host>`. A port without a
 * share is open to its owner only, so `owner` is a level but never a share.
 */

/** Who may open a port: its owner, any logged-in user, or anyone. */
export const PortShareLevel = z.enum(["owner", "authenticated", "public"]);
export type PortShareLevel = z.infer<typeof PortShareLevel>;

/** The levels a share can have; `owner` is the absence of a share. */
export const SharedPortLevel = z.enum(["authenticated", "public"]);
export type SharedPortLevel = z.infer<typeof SharedPortLevel>;

/** How the proxy speaks to the port inside the workspace. */
export const PortShareProtocol = z.enum(["http", "https"]);
export type PortShareProtocol = z.infer<typeof PortShareProtocol>;

export const PortNumber = z.number({ error: "must be a whole number from 1 to 65535" }).int("must be a whole number from 1 to 65535").min(1, "must be from 1 to 65535").max(65535, "must be from 1 to 65535");

/** Agent names are den.yaml labels; the service checks the workspace has one of that name. */
const AgentName = z.string().min(1, "must not be empty").max(64, "must be at most 64 characters");

export const WorkspacePortShare = z.object({
  workspace_id: Uuid,
  agent_name: z.string(),
  port: z.number().int(),
  share_level: SharedPortLevel,
  protocol: PortShareProtocol,
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type WorkspacePortShare = z.infer<typeof WorkspacePortShare>;

export const WorkspacePortShares = z.object({
  /** The highest level the workspace's template allows (`max_port_share_level` of its den.yaml). */
  max_level: PortShareLevel,
  shares: z.array(WorkspacePortShare),
});
export type WorkspacePortShares = z.infer<typeof WorkspacePortShares>;

/** Shares a port, or changes the level or protocol of a shared one. */
export const UpsertPortShareRequest = z
  .object({
    agent_name: AgentName,
    port: PortNumber,
    /** `owner` is accepted here only to say clearly that unsharing is a DELETE. */
    share_level: PortShareLevel,
    protocol: PortShareProtocol.default("http"),
  })
  .strict();
export type UpsertPortShareRequest = z.input<typeof UpsertPortShareRequest>;

export const DeletePortShareRequest = z
  .object({
    agent_name: AgentName,
    port: PortNumber,
  })
  .strict();
export type DeletePortShareRequest = z.infer<typeof DeletePortShareRequest>;
