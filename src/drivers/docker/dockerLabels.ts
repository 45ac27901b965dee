import type { BuildContext } from "../driver.js";

/**
 * Every object the docker driver creates carries these labels, so that the
 * driver can find its own objects again (a build that converges after a
 * crash, the reconciler) and never mistakes someone else's for one of them.
 */
export const LABEL_MANAGED = "den.managed";
export const LABEL_WORKSPACE_ID = "den.workspace_id";
export const LABEL_BUILD_ID = "den.build_id";
export const LABEL_RESOURCE = "den.resource";
export const LABEL_WORKSPACE = "den.workspace";

export function denLabels(ctx: BuildContext, resource: string): Record<string, string> {
  return {
    [LABEL_MANAGED]: "true",
    [LABEL_WORKSPACE_ID]: ctx.workspace.id,
    [LABEL_BUILD_ID]: ctx.buildId,
    [LABEL_RESOURCE]: resource,
    // For people reading `docker ps`; the id above is what the driver trusts.
    [LABEL_WORKSPACE]: `${ctx.workspace.ownerName}/${ctx.workspace.name}`,
  };
}

/** A Docker object name from free text: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128. */
export function dockerName(...parts: string[]): string {
  return parts
    .join("-")
    .replace(/[^a-zA-Z0-9_.-]+/g, "-")
    .replace(/^[^a-zA-Z0-9]+/, "")
    .slice(0, 128);
}

/** Whose object this is, from its labels: ours (this workspace), another workspace's, or not Den's at all. */
export function ownerOf(labels: Record<string, string> | null | undefined, workspaceId: string): "ours" | "other-workspace" | "foreign" {
  if (!labels || labels[LABEL_MANAGED] !== "true" || !labels[LABEL_WORKSPACE_ID]) return "foreign";
  return labels[LABEL_WORKSPACE_ID] === workspaceId ? "ours" : "other-workspace";
}
