import type { FastifyReply, FastifyRequest } from "fastify";
import { WORKSPACE_WATCH_EVENT, type Workspace } from "../../sdk/schemas/workspaces.js";
import { jobEvents } from "../provisioners/jobEvents.js";
import type { PubSub } from "../pubsub/pubsub.js";

/** Proxies and load balancers drop a silent connection; a comment line keeps it open. */
export const WATCH_HEARTBEAT_MS = 15_000;

export type WatchDeps = {
  pubsub: PubSub;
  /** Loads the workspace afresh (deleted ones too, for their last status). */
  load(): Promise<Workspace>;
  /** Open streams, so that a shutting-down server can end them instead of waiting on them. */
  open: Set<() => void>;
  heartbeatMs?: number;
};

/**
 * Serves GET /workspaces/{id}/watch as server-sent events: the full
 * workspace on connect and again whenever it changes, on any replica
 * (LISTEN/NOTIFY on the workspace's channel and on its latest job's). The
 * caller has authorized the request and loaded `first`.
 */
export async function watchWorkspace(req: FastifyRequest, reply: FastifyReply, first: Workspace, deps: WatchDeps): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    // nginx buffers responses unless told not to; events must arrive as they happen.
    "x-accel-buffering": "no",
  });
  let closed = false;
  let lastSent = "";
  let jobId = "";
  let unsubscribeJob: (() => Promise<void>) | undefined;
  const unsubscribers: Array<() => Promise<void>> = [];

  const send = (workspace: Workspace) => {
    const json = JSON.stringify(workspace);
    if (json === lastSent || closed) return;
    lastSent = json;
    res.write(`event: ${WORKSPACE_WATCH_EVENT}\ndata: ${json}\n\n`);
  };

  // The latest job changes with every build; follow whichever is current.
  const followJob = async (id: string) => {
    if (id === jobId) return;
    jobId = id;
    const previous = unsubscribeJob;
    const unsubscribe = await deps.pubsub.subscribe(jobEvents.job(id), refresh);
    await previous?.();
    // The client may have left while we subscribed; cleanup ran without knowing of this one.
    if (closed) await unsubscribe();
    else unsubscribeJob = unsubscribe;
  };

  // Reloads run one after another; events that arrive during a reload coalesce into one more.
  let running = false;
  let again = false;
  function refresh(): void {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      try {
        do {
          again = false;
          const workspace = await deps.load();
          if (closed) return;
          await followJob(workspace.latest_build.job.id);
          send(workspace);
          // Nothing changes after a delete; the client learns it from the last event.
          if (workspace.status === "deleted") cleanup();
        } while (again && !closed);
      } catch (err) {
        req.log.warn({ err }, "workspace watch cannot reload");
        // A workspace that vanished or a lost database: the client reconnects and gets a clear answer.
        cleanup();
      } finally {
        running = false;
      }
    })();
  }

  const heartbeat = setInterval(() => {
    if (!closed) res.write(": ping\n\n");
  }, deps.heartbeatMs ?? WATCH_HEARTBEAT_MS);

  function cleanup(): void {
    if (closed) return;
    closed = true;
    deps.open.delete(cleanup);
    clearInterval(heartbeat);
    for (const u of unsubscribers) void u();
    void unsubscribeJob?.();
    res.end();
  }
  res.on("close", cleanup);
  req.raw.on("close", cleanup);
  deps.open.add(cleanup);

  try {
    const unsubscribe = await deps.pubsub.subscribe(jobEvents.workspace(first.id), refresh);
    if (closed) await unsubscribe();
    else unsubscribers.push(unsubscribe);
    await followJob(first.latest_build.job.id);
  } catch (err) {
    // The reply is hijacked: the error handler cannot answer any more, so end the stream.
    req.log.error({ err }, "workspace watch cannot subscribe");
    cleanup();
    return;
  }
  send(first);
  // Something may have changed between loading `first` and subscribing.
  refresh();
}
