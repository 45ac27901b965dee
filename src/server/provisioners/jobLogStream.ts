import type { WebSocket } from "ws";
import { isJobDone } from "../../sdk/schemas/provisionerJobs.js";
import type { Database } from "../db/database.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { jobEvents } from "./jobEvents.js";
import { getJobLogsAfter, getProvisionerJob } from "./jobQueries.js";

/**
 * Streams a job's logs over a WebSocket, one ProvisionerJobLog JSON per
 * frame: those after `after` first, then new ones as they are written (on any
 * replica: LISTEN/NOTIFY), and closes with 1000 once the job has ended and
 * every line is sent.
 */
export async function streamJobLogs(socket: WebSocket, deps: { db: Database; pubsub: PubSub }, jobId: string, after: number): Promise<void> {
  let last = after;
  let closed = false;
  let pumping: Promise<void> = Promise.resolve();
  const unsubs: Array<() => Promise<void>> = [];
  const cleanup = () => {
    if (closed) return;
    closed = true;
    for (const u of unsubs) void u();
  };
  socket.on("close", cleanup);
  socket.on("error", cleanup);

  const pump = () => {
    pumping = pumping.then(async () => {
      if (closed) return;
      // Read the status before the logs: a job seen as done has written all of its lines.
      const job = await getProvisionerJob(deps.db, jobId);
      for (;;) {
        const logs = await getJobLogsAfter(deps.db, jobId, last, 1000);
        for (const l of logs) {
          if (closed) return;
          socket.send(JSON.stringify(l));
          last = l.id;
        }
        if (logs.length < 1000) break;
      }
      if (!job || isJobDone(job.status)) {
        closed = true;
        socket.close(1000, job ? job.status : "gone");
        for (const u of unsubs) void u();
      }
    }).catch(() => {
      cleanup();
      socket.terminate();
    });
  };
  unsubs.push(await deps.pubsub.subscribe(jobEvents.logs(jobId), pump));
  unsubs.push(await deps.pubsub.subscribe(jobEvents.job(jobId), pump));
  pump();
}
