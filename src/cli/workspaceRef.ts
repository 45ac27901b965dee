import type { DenClient } from "../sdk/client/DenClient.js";
import { ApiError } from "../sdk/errors.js";
import type { Workspace } from "../sdk/schemas/workspaces.js";
import { CliError } from "./errors.js";

/** A workspace as people name it on the command line: `name` (theirs) or `owner/name`. */
export type WorkspaceRef = { owner: string; name: string };

export const WORKSPACE_ARGUMENT = "the workspace: NAME (yours) or OWNER/NAME (owners may act on anyone's)";

export function parseWorkspaceRef(text: string): WorkspaceRef {
  const parts = text.split("/");
  if (parts.length > 2 || parts.some((p) => p.trim() === "")) {
    throw new CliError(`"${text}" is not a workspace: use NAME or OWNER/NAME`);
  }
  return parts.length === 2 ? { owner: parts[0]!, name: parts[1]! } : { owner: "me", name: parts[0]! };
}

/** `name` for the caller's own workspaces would be ambiguous in listings of several owners, so always owner/name. */
export function formatWorkspaceRef(ws: Pick<Workspace, "owner_name" | "name">): string {
  return `${ws.owner_name}/${ws.name}`;
}

/** Fetches the workspace a ref names; a missing one (or someone else's you may not see) is one clear line. */
export async function findWorkspace(client: DenClient, text: string): Promise<Workspace> {
  const ref = parseWorkspaceRef(text);
  try {
    return await client.workspaces.getByOwnerAndName(ref.owner, ref.name);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      const whose = ref.owner === "me" ? "you have no workspace" : `${ref.owner} has no workspace (that you may see)`;
      throw new CliError(`${whose} named "${ref.name}": see \`den list\``);
    }
    throw err;
  }
}
