import http from "node:http";
import https from "node:https";
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
  /**
   * Connections of our own rather than fetch's shared pool: when a stopping
   * daemon aborts its acquire long poll, fetch (undici 6 in Node 20) opens a
   * new connection for the aborted request and sends nothing on it; against
   * Den's server it stayed open for over a minute, and a server closing
   * meanwhile waited for it. close() ends every connection of this agent.
   */
  private readonly agent: http.Agent;

  constructor(
    url: string,
    private readonly psk: string,
  ) {
    this.base = url.replace(/\/+$/, "") + "/api/v2/provisionerdaemons/jobs";
    this.agent = this.base.startsWith("https:") ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /** Ends the connections to the server; call it once the daemons that share this source have stopped. */
  close(): void {
    this.agent.destroy();
  }

  async acquire(workerId: string, signal: AbortSignal): Promise<AcquiredJob | null> {
    while (!signal.aborted) {
      let res: Answer;
      try {
        res = await this.post("/acquire", { worker_id: workerId }, workerId, signal);
      } catch (err) {
        if (signal.aborted) return null;
        throw err;
      }
      if (res.status === 204) continue;
      const job = JSON.parse(res.body) as AcquiredJob & { archive?: string };
      this.claims.set(job.id, workerId);
      if (job.type === "template_version_import") return { ...job, archive: Buffer.from(job.archive as unknown as string, "base64") };
      return job;
    }
    return null;
  }

  async heartbeat(jobId: string): Promise<{ canceled: boolean }> {
    return JSON.parse((await this.post(`/${jobId}/heartbeat`, {}, this.claimOf(jobId))).body) as { canceled: boolean };
  }

  async appendLogs(jobId: string, logs: JobLog[]): Promise<void> {
    await this.post(`/${jobId}/logs`, { logs }, this.claimOf(jobId));
  }

  async recordState(jobId: string, state: ResourceState[]): Promise<void> {
    await this.post(`/${jobId}/state`, { state }, this.claimOf(jobId));
  }

  async registerAgents(jobId: string, agents: AgentRegistration[]): Promise<AgentCredential[]> {
    const body = JSON.parse((await this.post(`/${jobId}/agents`, { agents }, this.claimOf(jobId))).body) as { agents: AgentCredential[] };
    return body.agents;
  }

  async templateArchive(jobId: string): Promise<Uint8Array> {
    const body = JSON.parse((await this.post(`/${jobId}/archive`, {}, this.claimOf(jobId))).body) as { archive: string };
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

  private async post(path: string, body: unknown, workerId: string, signal?: AbortSignal): Promise<Answer> {
    const url = this.base + path;
    let res: Answer;
    try {
      res = await this.send(url, JSON.stringify(body), workerId, signal);
    } catch (cause) {
      if ((cause as Error).name === "AbortError") throw cause;
      throw new NetworkError(url, cause);
    }
    if (res.status < 200 || res.status > 299) {
      let parsed: ApiErrorBody;
      try {
        parsed = JSON.parse(res.body) as ApiErrorBody;
      } catch {
        parsed = { message: `${res.status} ${res.statusText}`, detail: res.body.slice(0, 200) };
      }
      throw new ApiError(res.status, parsed, url);
    }
    return res;
  }

  private send(url: string, payload: string, workerId: string, signal: AbortSignal | undefined): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(payload), [PROVISIONER_KEY_HEADER]: this.psk, [PROVISIONER_WORKER_HEADER]: workerId };
      const req = (url.startsWith("https:") ? https : http).request(url, { method: "POST", agent: this.agent, headers, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
        res.on("close", () => {
          if (!res.complete) reject(new Error("the connection closed before the whole answer arrived"));
        });
      });
      req.on("error", reject);
      req.end(payload);
    });
  }
}

/** An answer of the server, read whole: JSON documents, the largest a template archive. */
type Answer = { status: number; statusText: string; body: string };
