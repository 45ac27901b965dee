import type { FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { AuditAction, AuditLog, ListAuditResponse } from "../../sdk/schemas/audit.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { mapError } from "../http/errorHandler.js";
import { parseAuditQuery } from "./auditQuery.js";
import { insertAuditLog, listAuditLogs } from "./queries.js";

/** Where a request came from, as the audit log records it. */
export type AuditRequest = { ip: string | null; userAgent: string | null; requestId: string | null };

export function auditRequestOf(req: FastifyRequest): AuditRequest {
  const ua = req.headers["user-agent"];
  return { ip: req.ip ?? null, userAgent: typeof ua === "string" ? ua.slice(0, 512) : null, requestId: req.id ?? null };
}

/** The parts of an audit row that a caller knows before the outcome. */
export type AuditDraft = {
  /** Who acted; null when nobody is logged in (a failed login for an unknown email). */
  userId: string | null;
  action: AuditAction;
  resourceType: string;
  resourceId?: string | null;
  /** What people search for: a username, a token name. */
  resourceTarget?: string;
  /** `{ field: { old, new } }`; never secrets (see `scrub`). */
  diff?: Record<string, unknown>;
  additionalFields?: Record<string, unknown>;
};

export type AuditEntry = AuditDraft & { statusCode: number; request: AuditRequest };

/** Field names whose values never enter the log, whatever a caller passes. */
const SECRET_FIELD = /password|secret|hash|token$/i;

/**
 * The audit log: every area records what people did through it. Rows hold the
 * HTTP status of the outcome, so failed attempts are recorded too.
 */
export class AuditService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    await insertAuditLog(this.db, {
      time: this.clock.now(),
      userId: entry.userId,
      ip: entry.request.ip,
      userAgent: entry.request.userAgent,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId ?? null,
      resourceTarget: entry.resourceTarget ?? "",
      diff: scrub(entry.diff ?? {}),
      statusCode: entry.statusCode,
      additionalFields: scrub(entry.additionalFields ?? {}),
      requestId: entry.request.requestId,
    });
  }

  /**
   * Runs `run` and records its outcome: `successStatus` when it returns, the
   * status its error maps to when it throws. `run` fills in what it learns
   * (resource id, diff) on the draft as it goes.
   */
  async track<T>(request: AuditRequest, draft: AuditDraft, successStatus: number, run: (draft: AuditDraft) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await run(draft);
    } catch (err) {
      // The request already failed; a failure to record it must not hide why.
      await this.record({ ...draft, statusCode: mapError(err).status, request }).catch((auditErr: unknown) =>
        this.log.error({ err: auditErr, action: draft.action }, "cannot write audit log"),
      );
      throw err;
    }
    await this.record({ ...draft, statusCode: successStatus, request });
    return result;
  }

  async list(q: string | undefined, limit: number, offset: number): Promise<ListAuditResponse> {
    const { rows, count } = await listAuditLogs(this.db, parseAuditQuery(q), limit, offset);
    const auditLogs: AuditLog[] = rows.map((row) => ({
      id: row.id,
      time: row.time.toISOString(),
      user_id: row.user_id,
      username: row.username ?? null,
      ip: row.ip,
      user_agent: row.user_agent,
      action: row.action as AuditAction,
      resource_type: row.resource_type,
      resource_id: row.resource_id,
      resource_target: row.resource_target,
      diff: row.diff,
      status_code: row.status_code,
      additional_fields: row.additional_fields,
    }));
    return { audit_logs: auditLogs, count };
  }
}

/** `{ field: { old, new } }` for each field whose value changed. */
export function auditDiff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const diff: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) diff[key] = { old: before[key] ?? null, new: after[key] ?? null };
  }
  return diff;
}

/** Replaces the value of every secret-looking field with a marker, at any depth. */
function scrub(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (SECRET_FIELD.test(key)) out[key] = { secret: true };
    else if (v && typeof v === "object" && !Array.isArray(v)) out[key] = scrub(v as Record<string, unknown>);
    else out[key] = v;
  }
  return out;
}
