import { z } from "zod";
import { PageQuery, Timestamp, Uuid } from "./common.js";
import { plainText } from "./users.js";

export const AuditAction = z.enum(["create", "write", "delete", "login", "logout", "register", "start", "stop", "connect", "disconnect"]);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditLog = z.object({
  id: Uuid,
  time: Timestamp,
  user_id: Uuid.nullable(),
  username: z.string().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  action: AuditAction,
  resource_type: z.string(),
  resource_id: z.string().nullable(),
  resource_target: z.string(),
  diff: z.record(z.string(), z.unknown()),
  status_code: z.number().int(),
  additional_fields: z.record(z.string(), z.unknown()),
});
export type AuditLog = z.infer<typeof AuditLog>;

export const ListAuditQuery = PageQuery.extend({ q: plainText(512).optional() });
export const ListAuditResponse = z.object({ audit_logs: z.array(AuditLog), count: z.number().int() });
export type ListAuditResponse = z.infer<typeof ListAuditResponse>;
