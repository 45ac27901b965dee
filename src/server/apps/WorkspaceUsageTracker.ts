import type { Logger } from "pino";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { touchWorkspaceLastUsed } from "./appWorkspaceQueries.js";

/** last_used_at only needs minute precision (it feeds autostop); one write per workspace per minute per replica is enough. */
const THROTTLE_MS = 60_000;

/** Records that a workspace's apps are in use, without a database write per proxied request. */
export class WorkspaceUsageTracker {
  private readonly lastWrite = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  touch(workspaceId: string): void {
    const now = this.clock.now().getTime();
    const last = this.lastWrite.get(workspaceId);
    if (last !== undefined && now - last < THROTTLE_MS) return;
    if (this.lastWrite.size > 10_000) this.lastWrite.clear();
    this.lastWrite.set(workspaceId, now);
    touchWorkspaceLastUsed(this.db, workspaceId).catch((err: unknown) => {
      this.lastWrite.delete(workspaceId);
      this.log.warn({ err, workspaceId }, "cannot record that the workspace was used");
    });
  }
}
