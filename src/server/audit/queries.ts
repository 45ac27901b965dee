import { sql } from "kysely";
import type { Database } from "../db/database.js";
import type { AuditFilter } from "./auditQuery.js";

export type NewAuditLog = {
  time: Date;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  resourceTarget: string;
  diff: Record<string, unknown>;
  statusCode: number;
  additionalFields: Record<string, unknown>;
  requestId: string | null;
};

export async function insertAuditLog(db: Database, log: NewAuditLog): Promise<void> {
  await db
    .insertInto("audit_logs")
    .values({
      time: log.time,
      user_id: log.userId,
      ip: log.ip,
      user_agent: log.userAgent,
      action: log.action,
      resource_type: log.resourceType,
      resource_id: log.resourceId,
      resource_target: log.resourceTarget,
      diff: JSON.stringify(log.diff),
      status_code: log.statusCode,
      additional_fields: JSON.stringify(log.additionalFields),
      request_id: log.requestId,
    })
    .execute();
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => "\\" + c);
}

export async function listAuditLogs(db: Database, filter: AuditFilter, limit: number, offset: number) {
  let query = db.selectFrom("audit_logs").leftJoin("users", "users.id", "audit_logs.user_id");
  if (filter.action) query = query.where("audit_logs.action", "=", filter.action);
  if (filter.resourceType) query = query.where("audit_logs.resource_type", "=", filter.resourceType);
  if (filter.resourceId) query = query.where("audit_logs.resource_id", "=", filter.resourceId);
  if (filter.statusCode !== undefined) query = query.where("audit_logs.status_code", "=", filter.statusCode);
  if (filter.username) query = query.where(sql<string>`lower(users.username)`, "=", filter.username.toLowerCase());
  if (filter.text) query = query.where("audit_logs.resource_target", "ilike", `%${escapeLike(filter.text)}%`);
  const [rows, total] = await Promise.all([
    query
      .select([
        "audit_logs.id",
        "audit_logs.time",
        "audit_logs.user_id",
        "users.username",
        "audit_logs.ip",
        "audit_logs.user_agent",
        "audit_logs.action",
        "audit_logs.resource_type",
        "audit_logs.resource_id",
        "audit_logs.resource_target",
        "audit_logs.diff",
        "audit_logs.status_code",
        "audit_logs.additional_fields",
      ])
      .orderBy("audit_logs.time", "desc")
      .orderBy("audit_logs.seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirstOrThrow(),
  ]);
  return { rows, count: Number(total.count) };
}
