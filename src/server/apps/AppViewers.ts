import type { IncomingHttpHeaders } from "node:http";
import { withMember, type Authenticator } from "../auth/authenticate.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { AuthenticationError } from "../errors.js";
import type { Viewer } from "./appAccess.js";
import { getActiveUser } from "./appWorkspaceQueries.js";
import type { AppTokenSigner } from "./appTokens.js";
import { ExpiringCache } from "./ExpiringCache.js";

/** A suspended user stops working on app hosts within this (dashboard sessions go through the authenticator's own cache, invalidated at once). */
const VIEWER_CACHE_MS = 3000;

/**
 * Who is asking, for the app proxy. Path apps know the dashboard session
 * (cookie or header); subdomain apps only their own host's den_app_token.
 * Sessions go through the API's authenticator, whose key cache every
 * replica empties at once on logout, token deletion or suspension; users of
 * app tokens are cached here for a few seconds so that an app's many
 * requests (a page and its assets) do not each cost a database round trip.
 */
export class AppViewers {
  private readonly users: ExpiringCache<Viewer>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly signer: AppTokenSigner,
    private readonly authenticate: Authenticator,
  ) {
    this.users = new ExpiringCache(clock, VIEWER_CACHE_MS);
  }

  /**
   * The dashboard session's user; an invalid or expired token counts as none
   * (the visitor is sent to log in), and so do conflicting session cookies:
   * the login page says why, and logging in clears what it can.
   */
  async fromSession(headers: IncomingHttpHeaders): Promise<Viewer> {
    try {
      const actor = await this.authenticate({ headers });
      return actor ? { userId: actor.userId, roles: actor.roles } : null;
    } catch (err) {
      if (err instanceof AuthenticationError) return null;
      throw err;
    }
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
