import { z } from "zod";
import { JobLogsQuery, ProvisionerJobLog } from "../../sdk/schemas/provisionerJobs.js";
import {
  CreateWorkspaceBuildRequest,
  CreateWorkspaceRequest,
  GetWorkspaceQuery,
  ListWorkspaceBuildsQuery,
  ListWorkspaceBuildsResponse,
  ListWorkspacesQuery,
  ListWorkspacesResponse,
  UpdateWorkspaceRequest,
  Workspace,
  WorkspaceBuild,
} from "../../sdk/schemas/workspaces.js";
import { auditRequestOf } from "../audit/auditService.js";
import { InputError } from "../errors.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import type { PubSub } from "../pubsub/pubsub.js";
import type { BuildService } from "./buildService.js";
import { watchWorkspace } from "./watchWorkspace.js";
import type { WorkspaceService } from "./workspaceService.js";

const Ref = z.string().min(1).max(256);
const UserParams = z.object({ user: Ref }).strict();
const UserWorkspaceParams = z.object({ user: Ref, workspace: Ref }).strict();
const UserWorkspaceBuildParams = z.object({ user: Ref, workspace: Ref, number: z.coerce.number().int().min(1).max(2 ** 31 - 1) }).strict();
const WorkspaceParams = z.object({ workspace: Ref }).strict();
const BuildParams = z.object({ build: Ref }).strict();
const tags = ["workspaces"];

export function workspaceRoutes(deps: { workspaces: WorkspaceService; builds: BuildService; pubsub: PubSub; watches: Set<() => void> }): RouteSpec[] {
  const { workspaces, builds } = deps;
  return [
    defineRoute({
      method: "POST",
      url: "/users/:user/workspaces",
      summary: "Create a workspace for a user (`me`, a username or an id) and enqueue its first (start) build.",
      tags,
      auth: "user",
      params: UserParams,
      body: CreateWorkspaceRequest,
      response: Workspace,
      handler: async ({ actor, params, body, req }) => workspaces.create(actor!, params.user, body, auditRequestOf(req)),
    }),
    defineRoute({
      method: "GET",
      url: "/workspaces",
      summary: "List workspaces. q filters: owner:<username|me>, template:<name>, status:<status>, name:<part>; a bare word matches the name.",
      tags,
      auth: "user",
      query: ListWorkspacesQuery,
      response: ListWorkspacesResponse,
      handler: async ({ actor, query }) => workspaces.list(actor!, query.q, query.limit, query.offset),
    }),
    defineRoute({
      method: "GET",
      url: "/users/:user/workspace/:workspace",
      summary: "Get a workspace by its owner and name.",
      tags,
      auth: "user",
      params: UserWorkspaceParams,
      response: Workspace,
      handler: async ({ actor, params }) => workspaces.getByOwnerAndName(actor!, params.user, params.workspace),
    }),
    defineRoute({
      method: "GET",
      url: "/users/:user/workspace/:workspace/builds/:number",
      summary: "Get a build of a workspace by its number.",
      tags,
      auth: "user",
      params: UserWorkspaceBuildParams,
      response: WorkspaceBuild,
      handler: async ({ actor, params }) => builds.getByNumber(actor!, params.user, params.workspace, params.number),
    }),
    defineRoute({
      method: "GET",
      url: "/workspaces/:workspace",
      summary: "Get a workspace; a deleted one only with include_deleted=true.",
      tags,
      auth: "user",
      params: WorkspaceParams,
      query: GetWorkspaceQuery,
      response: Workspace,
      handler: async ({ actor, params, query }) => workspaces.get(actor!, params.workspace, { includeDeleted: query.include_deleted === "true" }),
    }),
    defineRoute({
      method: "PATCH",
      url: "/workspaces/:workspace",
      summary: "Rename a workspace.",
      tags,
      auth: "user",
      params: WorkspaceParams,
      body: UpdateWorkspaceRequest,
      response: Workspace,
      handler: async ({ actor, params, body, req }) => workspaces.update(actor!, params.workspace, body, auditRequestOf(req)),
    }),
    defineRoute({
      method: "POST",
      url: "/workspaces/:workspace/builds",
      summary: "Start, stop or delete a workspace. 409 while another build of it is pending or running.",
      tags,
      auth: "user",
      params: WorkspaceParams,
      body: CreateWorkspaceBuildRequest,
      response: WorkspaceBuild,
      handler: async ({ actor, params, body, req }) => builds.create(actor!, params.workspace, body, auditRequestOf(req)),
    }),
    defineRoute({
      method: "GET",
      url: "/workspaces/:workspace/builds",
      summary: "List a workspace's builds, newest first.",
      tags,
      auth: "user",
      params: WorkspaceParams,
      query: ListWorkspaceBuildsQuery,
      response: ListWorkspaceBuildsResponse,
      handler: async ({ actor, params, query }) => builds.list(actor!, params.workspace, query.limit, query.offset),
    }),
    defineRoute({
      method: "GET",
      url: "/workspaces/:workspace/watch",
      summary: "Server-sent events: `event: data` with the whole workspace on connect and on every change; `: ping` every 15 s.",
      tags,
      auth: "user",
      params: WorkspaceParams,
      handler: async ({ actor, params, req, reply }) => {
        const first = await workspaces.get(actor!, params.workspace);
        await watchWorkspace(req, reply, first, {
          pubsub: deps.pubsub,
          open: deps.watches,
          load: () => workspaces.get(actor!, first.id, { includeDeleted: true }),
        });
        return undefined;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/workspacebuilds/:build",
      summary: "Get a workspace build.",
      tags,
      auth: "user",
      params: BuildParams,
      response: WorkspaceBuild,
      handler: async ({ actor, params }) => builds.get(actor!, params.build),
    }),
    defineRoute({
      method: "GET",
      url: "/workspacebuilds/:build/logs",
      summary: "A build's log lines after `after`; with follow=true over a WebSocket, one line per frame until the build ends.",
      tags,
      auth: "user",
      params: BuildParams,
      query: JobLogsQuery,
      response: z.array(ProvisionerJobLog),
      handler: async ({ actor, params, query }) => {
        if (query.follow === "true") throw InputError.field("follow", "following needs a WebSocket upgrade of this URL");
        return builds.logs(actor!, params.build, query.after);
      },
      websocket: async (socket, { actor, params, query }) => builds.followLogs(actor!, params.build, query.after, socket),
    }),
    defineRoute({
      method: "PATCH",
      url: "/workspacebuilds/:build/cancel",
      summary: "Cancel a pending or running build; 409 when it has already ended.",
      tags,
      auth: "user",
      params: BuildParams,
      response: WorkspaceBuild,
      handler: async ({ actor, params, req }) => builds.cancel(actor!, params.build, auditRequestOf(req)),
    }),
  ];
}
