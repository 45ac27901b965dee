import { ListAuditQuery, ListAuditResponse } from "../../sdk/schemas/audit.js";
import { authorize } from "../auth/policy.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import type { AuditService } from "./auditService.js";

export function auditRoutes(audit: AuditService): RouteSpec[] {
  return [
    defineRoute({
      method: "GET",
      url: "/audit",
      summary: "List audit log entries, newest first. q filters: action:, resource_type:, resource_id:, username:, status_code:, and free text on the target.",
      tags: ["audit"],
      auth: "user",
      query: ListAuditQuery,
      response: ListAuditResponse,
      handler: async ({ actor, query }) => {
        authorize(actor!, "read", { type: "audit_log" });
        return audit.list(query.q, query.limit, query.offset);
      },
    }),
  ];
}
