import type { AuditRequest, AuditService } from "../audit/auditService.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { AuthenticationError } from "../errors.js";
import { getUserByEmail } from "../users/queries.js";
import type { Actor } from "./actor.js";
import { deleteApiKey, getApiKeyById, insertApiKey } from "./apiKeyQueries.js";
import type { AuthInvalidator } from "./AuthInvalidations.js";
import { generateApiKey } from "./apiKeys.js";
import { dummyPasswordHash, verifyPassword } from "./passwords.js";

export type IssuedKey = { id: string; token: string; expiresAt: Date };

/** The largest lifetime the api_keys.lifetime_seconds column holds. */
const MAX_LIFETIME_SECONDS = 2 ** 31 - 1;

/** Makes a session or API token for a user; the secret is returned once and stored only hashed. */
export async function issueApiKey(
  db: Database,
  clock: Clock,
  opts: { userId: string; loginType: "password" | "token"; lifetimeSeconds: number; tokenName?: string; ip: string | null },
): Promise<IssuedKey> {
  const key = generateApiKey();
  const now = clock.now();
  const lifetimeSeconds = Math.min(Math.max(1, Math.floor(opts.lifetimeSeconds)), MAX_LIFETIME_SECONDS);
  const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000);
  await insertApiKey(db, {
    id: key.id,
    hashedSecret: key.hashedSecret,
    userId: opts.userId,
    loginType: opts.loginType,
    tokenName: opts.tokenName ?? "",
    lifetimeSeconds,
    expiresAt,
    ip: opts.ip,
    now,
  });
  return { id: key.id, token: key.token, expiresAt };
}

export type PasswordVerifier = (password: string, hashed: string) => Promise<boolean>;

export type SessionServiceOptions = {
  sessionLifetimeSeconds: number;
  /** Tests count verifications through this; the server uses scrypt. */
  verifyPassword?: PasswordVerifier;
};

export const LOGIN_FAILED_MESSAGE = "Incorrect email or password.";

/** Logging in and out with a password. */
export class SessionService {
  private readonly verify: PasswordVerifier;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly invalidations: AuthInvalidator,
    private readonly opts: SessionServiceOptions,
  ) {
    this.verify = opts.verifyPassword ?? verifyPassword;
    // Hash the dummy now, so that not even the first unknown email answers slower.
    dummyPasswordHash().catch(() => undefined);
  }

  /**
   * Unknown email, wrong password and suspended user all answer the same
   * error after the same work: an unknown email is checked against a dummy
   * hash so that its answer takes as long as a wrong password's.
   */
  async login(email: string, password: string, request: AuditRequest): Promise<IssuedKey> {
    const user = await getUserByEmail(this.db, email);
    const matches = await this.verify(password, user?.hashed_password ?? (await dummyPasswordHash()));
    const reason = !user ? "unknown email" : !matches ? "wrong password" : user.status !== "active" ? "user suspended" : undefined;
    if (!user || reason) {
      await this.audit.record({
        userId: user?.id ?? null,
        action: "login",
        resourceType: "api_key",
        resourceTarget: user?.username ?? email,
        additionalFields: { reason },
        statusCode: 401,
        request,
      });
      throw new AuthenticationError(LOGIN_FAILED_MESSAGE);
    }
    const key = await issueApiKey(this.db, this.clock, {
      userId: user.id,
      loginType: "password",
      lifetimeSeconds: this.opts.sessionLifetimeSeconds,
      ip: request.ip,
    });
    await this.audit.record({
      userId: user.id,
      action: "login",
      resourceType: "api_key",
      resourceId: key.id,
      resourceTarget: user.username,
      statusCode: 201,
      request,
    });
    return key;
  }

  /**
   * Ends the session that made the request. An API token used to log out is
   * not deleted: it is a named credential, removed only by deleting it.
   */
  async logout(actor: Actor, request: AuditRequest): Promise<void> {
    const row = await getApiKeyById(this.db, actor.apiKeyId);
    if (row?.login_type === "password") {
      await deleteApiKey(this.db, actor.apiKeyId);
      await this.invalidations.keyRevoked(actor.apiKeyId);
    }
    await this.audit.record({
      userId: actor.userId,
      action: "logout",
      resourceType: "api_key",
      resourceId: actor.apiKeyId,
      resourceTarget: actor.username,
      statusCode: 204,
      request,
    });
  }
}
