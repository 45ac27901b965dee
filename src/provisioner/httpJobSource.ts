import type { ResourceState } from "../drivers/driver.js";
import { ApiError, NetworkError, type ApiErrorBody } from "../sdk/errors.js";
import { PROVISIONER_KEY_HEADER, PROVISIONER_WORKER_HEADER } from "../sdk/schemas/provisionerDaemons.js";
import type { AcquiredJob, AgentCredential, AgentRegistration, ImportResult, JobLog, JobSource } from "./jobSource.js";

/**
 * The job queue over the server's HTTP API, for `den provisioner start`.
 * Acquire is a long poll; everything else is one request per call.
 */
export class HttpJobSource implements JobSource {
  private readonly base: string;
  /** Which daemon claimed each job: several daemons share one source, and the server checks the claim. */
  private readonly claims = new Map<string, string>();

  constructor(
    url: string,
    private readonly psk: string,
  ) {
    this.base = url.replace(/\/+$/, "") + "/api/v2/provisionerdaemons/jobs";
  }

  async acquire(workerId: string, signal: AbortSignal): Promise<AcquiredJob | null> {
    while (!signal.aborted) {
      let res: Response;
      try {
        res = await this.post("/acquire", { worker_id: workerId }, workerId, signal);
      } catch (err) {
        if (signal.aborted) return null;
        throw err;
      }
      if (res.status === 204) continue;
      const job = (await res.json()) as AcquiredJob & { archive?: string };
      this.claims.set(job.id, workerId);
      if (job.type === "template_version_import") return { ...job, archive: Buffer.from(job.archive as unknown as string, "base64") };
      return job;
    }
    return null;
  }

  async heartbeat(jobId: string): Promise<{ canceled: boolean }> {
    return (await (await this.post(`/${jobId}/heartbeat`, {}, this.claimOf(jobId))).json()) as { canceled: boolean };
  }

  async appendLogs(jobId: string, logs: JobLog[]): Promise<void> {
    await this.post(`/${jobId}/logs`, { logs }, this.claimOf(jobId));
  }

  async recordState(jobId: string, state: ResourceState[]): Promise<void> {
    await this.post(`/${jobId}/state`, { state }, this.claimOf(jobId));
  }

  async registerAgents(jobId: string, agents: AgentRegistration[]): Promise<AgentCredential[]> {
    const body = (await (await this.post(`/${jobId}/agents`, { agents }, this.claimOf(jobId))).json()) as { agents: AgentCredential[] };
    return body.agents;
  }

  async templateArchive(jobId: string): Promise<Uint8Array> {
    const body = (await (await this.post(`/${jobId}/archive`, {}, this.claimOf(jobId))).json()) as { archive: string };
    return Buffer.from(body.archive, "base64");
  }

  async completeImport(jobId: string, result: ImportResult): Promise<void> {
    await this.post(`/${jobId}/complete-import`, result, this.claimOf(jobId));
    this.claims.delete(jobId);
  }

  async completeBuild(jobId: string, state: ResourceState[]): Promise<void> {
    await this.post(`/${jobId}/complete-build`, { state }, this.claimOf(jobId));
    this.claims.delete(jobId);
  }

  async failJob(jobId: string, error: string, opts: { canceled?: boolean; state?: ResourceState[] } = {}): Promise<void> {
    await this.post(`/${jobId}/fail`, { error: error.slice(0, 16000), ...opts }, this.claimOf(jobId));
    this.claims.delete(jobId);
  }

  private claimOf(jobId: string): string {
    return this.claims.get(jobId) ?? "";
  }

  private async post(path: string, body: unknown, workerId: string, signal?: AbortSignal): Promise<Response> {
    const url = this.base + path;
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", [PROVISIONER_KEY_HEADER]: this.psk, [PROVISIONER_WORKER_HEADER]: workerId },
        body: JSON.stringify(body),
        signal,
      });
    } catch (cause) {
      if ((cause as Error).name === "AbortError") throw cause;
      throw new NetworkError(url, cause);
    }
    if (!res.ok && res.status !== 204) {
      const text = await res.text();
      let parsed: ApiErrorBody;
      try {
        parsed = JSON.parse(text) as ApiErrorBody;
      } catch {
        parsed = { message: `${res.status} ${res.statusText}`, detail: text.slice(0, 200) };
      }
      throw new ApiError(res.status, parsed, url);
    }
    return res;
  }
}
