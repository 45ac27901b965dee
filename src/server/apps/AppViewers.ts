import type { IncomingHttpHeaders } from "node:http";
import { authenticateToken, sessionTokenOf, withMember } from "../auth/authenticate.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { AuthenticationError } from "../errors.js";
import type { Viewer } from "./appAccess.js";
import { getActiveUser } from "./appWorkspaceQueries.js";
import type { AppTokenSigner } from "./appTokens.js";
import { ExpiringCache } from "./ExpiringCache.js";

/** A suspended user or a revoked session stops working within this. */
const VIEWER_CACHE_MS = 3000;

/**
 * Who is asking, for the app proxy. Path apps know the dashboard session
 * (cookie or header); subdomain apps only their own host's den_app_token.
 * Lookups are cached for a few seconds so that an app's many requests (a
 * page and its assets) do not each cost a database round trip.
 */
export class AppViewers {
  private readonly sessions: ExpiringCache<Viewer>;
  private readonly users: ExpiringCache<Viewer>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly signer: AppTokenSigner,
  ) {
    this.sessions = new ExpiringCache(clock, VIEWER_CACHE_MS);
    this.users = new ExpiringCache(clock, VIEWER_CACHE_MS);
  }

  /**
   * The dashboard session's user; an invalid or expired token counts as none
   * (the visitor is sent to log in), and so do conflicting session cookies:
   * the login page says why, and logging in clears what it can.
   */
  async fromSession(headers: IncomingHttpHeaders): Promise<Viewer> {
    let sent: ReturnType<typeof sessionTokenOf>;
    try {
      sent = sessionTokenOf(headers);
    } catch (err) {
      if (err instanceof AuthenticationError) return null;
      throw err;
    }
    if (!sent) return null;
    return this.sessions.get(sent.token, async () => {
      const actor = await authenticateToken(this.db, this.clock, sent.token);
      return actor ? { userId: actor.userId, roles: actor.roles } : null;
    });
  }

  /** The user of a den_app_token cookie valid for this host. */
  async fromAppToken(token: string | undefined, host: string): Promise<Viewer> {
    const payload = this.signer.verify(token, { typ: "app", host, now: this.clock.now() });
    return payload ? this.activeUser(payload.uid) : null;
  }

  /** The user if they still exist and are active. */
  activeUser(userId: string): Promise<Viewer> {
    return this.users.get(userId, async () => {
      const user = await getActiveUser(this.db, userId);
      return user ? { userId: user.id, roles: withMember(user.roles) } : null;
    });
  }
}
