import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import {
  AcquireJobRequest,
  AppendLogsRequest,
  CompleteImportRequest,
  FailJobRequest,
  JobIdParams,
  PROVISIONER_KEY_HEADER,
  PROVISIONER_WORKER_HEADER,
  RecordStateRequest,
  RegisterAgentsRequest,
} from "../../sdk/schemas/provisionerDaemons.js";
import type { Database } from "../db/database.js";
import { AuthenticationError, NotFoundError } from "../errors.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import type { PgJobSource } from "./pgJobSource.js";

/** How long an acquire request waits for a job before answering 204. */
const ACQUIRE_WAIT_MS = 25_000;

/**
 * The HTTP face of the job queue for external provisioner daemons: each call
 * maps onto the same JobSource the in-process daemons use.
 */
export function provisionerDaemonRoutes(deps: { db: Database; source: PgJobSource; psk: string }): RouteSpec[] {
  const checkKey = (req: FastifyRequest) => {
    const sent = header(req, PROVISIONER_KEY_HEADER);
    if (!deps.psk) throw new AuthenticationError("External provisioners are disabled: start the server with --provisioner-psk.");
    const a = Buffer.from(sent ?? "");
    const b = Buffer.from(deps.psk);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new AuthenticationError("Invalid provisioner key.");
  };
  /** The daemon may act only on a job it claimed. */
  const checkClaim = async (req: FastifyRequest, jobId: string) => {
    checkKey(req);
    const worker = header(req, PROVISIONER_WORKER_HEADER);
    const job = await deps.db.selectFrom("provisioner_jobs").select("worker_id").where("id", "=", jobId).executeTakeFirst();
    if (!job || !worker || job.worker_id !== worker) throw new NotFoundError("Job");
  };
  const tags = ["provisioners"];
  return [
    defineRoute({
      method: "POST",
      url: "/provisionerdaemons/jobs/acquire",
      summary: "Wait for a job and claim it (204 when none came in time)",
      tags,
      auth: "none",
      body: AcquireJobRequest,
      status: 200,
      handler: async ({ body, req, reply }) => {
        checkKey(req);
        const abort = new AbortController();
        const timer = setTimeout(() => abort.abort(), ACQUIRE_WAIT_MS);
        req.raw.on("close", () => abort.abort());
        try {
          const job = await deps.source.acquire(body.worker_id, abort.signal);
          if (!job) return reply.status(204).send();
          return job.type === "template_version_import" ? { ...job, archive: Buffer.from(job.archive).toString("base64") } : job;
        } finally {
          clearTimeout(timer);
        }
      },
    }),
    jobRoute("heartbeat", z.object({}).strict(), async (id) => deps.source.heartbeat(id)),
    jobRoute("archive", z.object({}).strict(), async (id) => ({ archive: Buffer.from(await deps.source.templateArchive(id)).toString("base64") })),
    jobRoute("logs", AppendLogsRequest, async (id, b) => deps.source.appendLogs(id, b.logs)),
    jobRoute("state", RecordStateRequest, async (id, b) => deps.source.recordState(id, b.state)),
    jobRoute("agents", RegisterAgentsRequest, async (id, b) => ({ agents: await deps.source.registerAgents(id, b.agents) })),
    jobRoute("complete-import", CompleteImportRequest, async (id, b) => deps.source.completeImport(id, { spec: b.spec, readme: b.readme })),
    jobRoute("complete-build", RecordStateRequest, async (id, b) => deps.source.completeBuild(id, b.state)),
    jobRoute("fail", FailJobRequest, async (id, b) => deps.source.failJob(id, b.error, { canceled: b.canceled, state: b.state })),
  ];

  function jobRoute<B>(action: string, body: z.ZodType<B>, run: (id: string, body: B) => Promise<unknown>): RouteSpec {
    return defineRoute({
      method: "POST",
      url: `/provisionerdaemons/jobs/:id/${action}`,
      summary: `Provisioner daemon: ${action} of a claimed job`,
      tags,
      auth: "none",
      body,
      params: JobIdParams,
      status: 200,
      bodyLimit: 16 * 1024 * 1024,
      handler: async ({ body: b, params, req }) => {
        await checkClaim(req, params.id);
        return (await run(params.id, b)) ?? undefined;
      },
    });
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
