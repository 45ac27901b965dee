import WebSocket from "ws";
import type { DenClient } from "../sdk/client/DenClient.js";
import { JobStatus, ProvisionerJobLog } from "../sdk/schemas/provisionerJobs.js";
import { CliError } from "./errors.js";

/** A dropped connection (server restart, proxy timeout) is resumed after the last line seen, this many times. */
const MAX_RECONNECTS = 5;

export type FollowLogsOptions = {
  client: DenClient;
  /** API path of a job's logs endpoint, e.g. `/templateversions/<id>/logs` or `/workspacebuilds/<id>/logs`. */
  path: string;
  /** Show only lines after this log id. */
  after?: number;
  /** Receives each printable line, without a newline. */
  write: (line: string) => void;
};

export type FollowLogsResult = {
  /** The job's final status, as the server reported it when closing; undefined when it could not say. */
  status: JobStatus | undefined;
  lastLogId: number;
  /** The error-level lines, for a summary after the log. */
  errors: string[];
};

/**
 * Follows a job's log over the endpoint's WebSocket (`?follow=true`) until
 * the job ends: prints a header when the stage changes, then each line, and
 * answers the job's final status. Works for any provisioner job: template
 * imports and workspace builds.
 */
export async function followLogs(opts: FollowLogsOptions): Promise<FollowLogsResult> {
  const state: FollowLogsResult & { stage: string | undefined } = { status: undefined, lastLogId: opts.after ?? 0, errors: [], stage: undefined };
  for (let attempt = 0; ; attempt++) {
    const outcome = await followOnce(opts, state);
    if (outcome === "done") {
      const { stage: _stage, ...result } = state;
      return result;
    }
    if (attempt >= MAX_RECONNECTS) throw new CliError(`lost the log stream of ${opts.path} ${MAX_RECONNECTS + 1} times; the job goes on on the server: look at it again later`);
    await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
  }
}

/** Prints one log line, with a stage header first when the stage changes. */
export function printJobLog(log: ProvisionerJobLog, state: { stage: string | undefined }, write: (line: string) => void): void {
  if (log.stage !== state.stage) {
    state.stage = log.stage;
    if (log.stage !== "") write(`==> ${log.stage}`);
    // A stage opens with a line that repeats its name; the header already said it.
    if (log.output === log.stage) return;
  }
  write(log.level === "warn" ? `warning: ${log.output}` : log.output);
}

function followOnce(opts: FollowLogsOptions, state: FollowLogsResult & { stage: string | undefined }): Promise<"done" | "retry"> {
  const http = opts.client.http;
  const url = http.apiUrl(opts.path, { follow: true, after: state.lastLogId }).replace(/^http/, "ws");
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: http.headers(), perMessageDeflate: false });
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      socket.terminate();
      reject(err);
    };
    socket.on("message", (data: WebSocket.RawData) => {
      let json: unknown;
      try {
        json = JSON.parse(data.toString());
      } catch {
        json = undefined;
      }
      const parsed = ProvisionerJobLog.safeParse(json);
      if (!parsed.success) return fail(new CliError(`the server sent a log line den does not understand: ${data.toString().slice(0, 200)}`));
      const log = parsed.data;
      if (log.id <= state.lastLogId) return;
      state.lastLogId = log.id;
      if (log.level === "error") state.errors.push(log.output);
      printJobLog(log, state, opts.write);
    });
    socket.on("unexpected-response", (_req, res) => fail(new CliError(`cannot follow the logs at ${opts.path}: the server answered ${res.statusCode} instead of a WebSocket`)));
    socket.on("error", (err) => fail(new CliError(`cannot follow the logs at ${opts.path}: ${err.message}`)));
    socket.on("close", (code, reasonBuffer) => {
      if (failed) return;
      const reason = reasonBuffer.toString();
      if (code === 1000) {
        const status = JobStatus.safeParse(reason);
        state.status = status.success ? status.data : undefined;
        resolve("done");
      } else if (code >= 4000 && code < 5000) {
        // The server maps an API error of the request to 4000 + its HTTP status.
        reject(new CliError(`cannot follow the logs at ${opts.path}: ${reason || `error ${code - 4000}`}`));
      } else {
        resolve("retry");
      }
    });
  });
}
