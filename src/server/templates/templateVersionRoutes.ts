import { z } from "zod";
import { Uuid } from "../../sdk/schemas/common.js";
import { JobLogsQuery, ProvisionerJobLog } from "../../sdk/schemas/provisionerJobs.js";
import { CreateTemplateVersionRequest, TemplateVersion, TemplateVersionResources } from "../../sdk/schemas/templateApi.js";
import { ParameterSpec } from "../../sdk/schemas/templates.js";
import type { Database } from "../db/database.js";
import { InputError } from "../errors.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import { streamJobLogs } from "../provisioners/jobLogStream.js";
import type { PubSub } from "../pubsub/pubsub.js";
import type { TemplateVersionService } from "./templateVersionService.js";

/** `{org}` in a path: an organization's name or id. */
export const OrgParams = z.object({ org: z.string().min(1).max(256) }).strict();
const VersionParams = z.object({ id: Uuid }).strict();

export function templateVersionRoutes(versions: TemplateVersionService, deps: { db: Database; pubsub: PubSub }): RouteSpec[] {
  return [
    defineRoute({
      method: "POST",
      url: "/organizations/:org/templateversions",
      summary: "Create a template version from an uploaded archive; its import job parses and checks den.yaml (owner, template-admin).",
      tags: ["templates"],
      auth: "user",
      params: OrgParams,
      body: CreateTemplateVersionRequest,
      response: TemplateVersion,
      handler: async ({ actor, params, body }) => versions.create(actor!, params.org, body),
    }),
    defineRoute({
      method: "GET",
      url: "/templateversions/:id",
      summary: "Get a template version with its import job.",
      tags: ["templates"],
      auth: "user",
      params: VersionParams,
      response: TemplateVersion,
      handler: async ({ actor, params }) => versions.get(actor!, params.id),
    }),
    defineRoute({
      method: "GET",
      url: "/templateversions/:id/parameters",
      summary: "The parameters of a template version (409 until its import has succeeded).",
      tags: ["templates"],
      auth: "user",
      params: VersionParams,
      response: z.array(ParameterSpec),
      handler: async ({ actor, params }) => versions.parameters(actor!, params.id),
    }),
    defineRoute({
      method: "GET",
      url: "/templateversions/:id/resources",
      summary: "The resources and agents of a template version (409 until its import has succeeded).",
      tags: ["templates"],
      auth: "user",
      params: VersionParams,
      response: TemplateVersionResources,
      handler: async ({ actor, params }) => versions.resources(actor!, params.id),
    }),
    defineRoute({
      method: "GET",
      url: "/templateversions/:id/logs",
      summary: "The import job's logs after ?after=N; with follow=true, a WebSocket of log lines that closes when the job ends.",
      tags: ["templates"],
      auth: "user",
      params: VersionParams,
      query: JobLogsQuery,
      response: z.array(ProvisionerJobLog),
      handler: async ({ actor, params, query }) => {
        if (query.follow === "true") throw InputError.field("follow", "follow=true needs a WebSocket upgrade; without one, poll with after=N");
        return versions.logs(actor!, params.id, query.after);
      },
      websocket: async (socket, { actor, params, query }) => {
        const jobId = await versions.jobIdOf(actor!, params.id);
        await streamJobLogs(socket, deps, jobId, query.after);
      },
    }),
  ];
}
