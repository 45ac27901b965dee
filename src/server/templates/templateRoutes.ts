import { z } from "zod";
import { Uuid } from "../../sdk/schemas/common.js";
import {
  CreateTemplateRequest,
  PromoteTemplateVersionRequest,
  Template,
  TemplateVersion,
  UpdateTemplateRequest,
} from "../../sdk/schemas/templateApi.js";
import { auditRequestOf, type AuditService } from "../audit/auditService.js";
import type { Database } from "../db/database.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { fileRoutes } from "./fileRoutes.js";
import { FileService } from "./fileService.js";
import { TemplateService } from "./templateService.js";
import { OrgParams, templateVersionRoutes } from "./templateVersionRoutes.js";
import { TemplateVersionService } from "./templateVersionService.js";

const TemplateParams = z.object({ id: Uuid }).strict();
const TemplateNameParams = OrgParams.extend({ name: z.string().min(1).max(256) }).strict();

/** The services and routes of files, templates and template versions. */
export function templateRoutes(deps: { db: Database; pubsub: PubSub; audit: AuditService }): RouteSpec[] {
  const files = new FileService(deps.db);
  const versions = new TemplateVersionService(deps.db, deps.pubsub);
  const templates = new TemplateService(deps.db, deps.audit);
  return [...fileRoutes(files), ...templateVersionRoutes(versions, deps), ...templateOnlyRoutes(templates, versions)];
}

function templateOnlyRoutes(templates: TemplateService, versions: TemplateVersionService): RouteSpec[] {
  return [
    defineRoute({
      method: "GET",
      url: "/organizations/:org/templates",
      summary: "List the templates of an organization.",
      tags: ["templates"],
      auth: "user",
      params: OrgParams,
      response: z.array(Template),
      handler: async ({ actor, params }) => templates.list(actor!, params.org),
    }),
    defineRoute({
      method: "POST",
      url: "/organizations/:org/templates",
      summary: "Create a template from a template version whose import succeeded; it becomes the active version (owner, template-admin).",
      tags: ["templates"],
      auth: "user",
      params: OrgParams,
      body: CreateTemplateRequest,
      response: Template,
      handler: async ({ actor, params, body, req }) => templates.create(actor!, params.org, body, auditRequestOf(req)),
    }),
    defineRoute({
      method: "GET",
      url: "/organizations/:org/templates/:name",
      summary: "Get a template by name.",
      tags: ["templates"],
      auth: "user",
      params: TemplateNameParams,
      response: Template,
      handler: async ({ actor, params }) => templates.getByName(actor!, params.org, params.name),
    }),
    defineRoute({
      method: "GET",
      url: "/templates/:id",
      summary: "Get a template.",
      tags: ["templates"],
      auth: "user",
      params: TemplateParams,
      response: Template,
      handler: async ({ actor, params }) => templates.get(actor!, params.id),
    }),
    defineRoute({
      method: "PATCH",
      url: "/templates/:id",
      summary: "Change a template's display name, description or icon (owner, template-admin).",
      tags: ["templates"],
      auth: "user",
      params: TemplateParams,
      body: UpdateTemplateRequest,
      response: Template,
      handler: async ({ actor, params, body, req }) => templates.update(actor!, params.id, body, auditRequestOf(req)),
    }),
    defineRoute({
      method: "DELETE",
      url: "/templates/:id",
      summary: "Delete a template; refused (409) while workspaces use it (owner, template-admin).",
      tags: ["templates"],
      auth: "user",
      params: TemplateParams,
      status: 204,
      handler: async ({ actor, params, req }) => {
        await templates.delete(actor!, params.id, auditRequestOf(req));
        return undefined;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/templates/:id/versions",
      summary: "List a template's versions, oldest first.",
      tags: ["templates"],
      auth: "user",
      params: TemplateParams,
      response: z.array(TemplateVersion),
      handler: async ({ actor, params }) => versions.listByTemplate(actor!, params.id),
    }),
    defineRoute({
      method: "PATCH",
      url: "/templates/:id/versions",
      summary: "Promote a version whose import succeeded to the template's active version (owner, template-admin).",
      tags: ["templates"],
      auth: "user",
      params: TemplateParams,
      body: PromoteTemplateVersionRequest,
      response: Template,
      handler: async ({ actor, params, body, req }) => templates.promote(actor!, params.id, body.id, auditRequestOf(req)),
    }),
  ];
}
