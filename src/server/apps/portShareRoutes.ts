import { z } from "zod";
import { DeletePortShareRequest, UpsertPortShareRequest, WorkspacePortShare, WorkspacePortShares } from "../../sdk/schemas/portShares.js";
import { auditRequestOf } from "../audit/auditService.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import type { PortShareService } from "./portShareService.js";

const WorkspaceParams = z.object({ workspace: z.string().min(1).max(256) }).strict();
const tags = ["port sharing"];

export function portShareRoutes(deps: { portShares: PortShareService }): RouteSpec[] {
  const { portShares } = deps;
  return [
    defineRoute({
      method: "GET",
      url: "/workspaces/:workspace/port-share",
      summary: "The workspace's shared ports and the highest level its template allows (owner of the workspace or site owner).",
      tags,
      auth: "user",
      params: WorkspaceParams,
      response: WorkspacePortShares,
      handler: async ({ actor, params }) => portShares.list(actor!, params.workspace),
    }),
    defineRoute({
      method: "POST",
      url: "/workspaces/:workspace/port-share",
      summary: "Share a port of one of the workspace's agents at `authenticated` or `public` (up to the template's max_port_share_level), or change how it is shared.",
      tags,
      auth: "user",
      params: WorkspaceParams,
      body: UpsertPortShareRequest,
      response: WorkspacePortShare,
      status: 200,
      handler: async ({ actor, params, body, req }) => portShares.upsert(actor!, params.workspace, body, auditRequestOf(req)),
    }),
    defineRoute({
      method: "DELETE",
      url: "/workspaces/:workspace/port-share",
      summary: "Stop sharing a port: it is open to the workspace's owner only again. 404 when it was not shared.",
      tags,
      auth: "user",
      params: WorkspaceParams,
      body: DeletePortShareRequest,
      status: 204,
      handler: async ({ actor, params, body, req }) => {
        await portShares.delete(actor!, params.workspace, body, auditRequestOf(req));
        return undefined;
      },
    }),
  ];
}
