import { randomBytes } from "node:crypto";
import type { ApiKey, CreateTokenRequest, CreateTokenResponse } from "../../sdk/schemas/users.js";
import type { AuditRequest, AuditService } from "../audit/auditService.js";
import type { Actor } from "../auth/actor.js";
import { deleteApiKey, getApiKeyOfUser, getTokenByName, listTokensByUser, type PublicApiKeyRow } from "../auth/apiKeyQueries.js";
import type { AuthInvalidator } from "../auth/AuthInvalidations.js";
import { authorize } from "../auth/policy.js";
import { issueApiKey } from "../auth/sessions.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { ConflictError, NotFoundError } from "../errors.js";
import type { UserService } from "./userService.js";

/** Like Coder: a token made without a lifetime lasts 30 days. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

/**
 * Someone else's key answers exactly like a missing one, so the policy's
 * NotFoundError and ours carry the same noun.
 */
const NOUN = "API key";

/** API tokens: long-lived keys a user makes for scripts and the CLI. */
export class TokenService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly users: UserService,
    private readonly audit: AuditService,
    private readonly invalidations: AuthInvalidator,
  ) {}

  async create(actor: Actor, ref: string, input: CreateTokenRequest, request: AuditRequest): Promise<CreateTokenResponse> {
    const name = input.token_name ?? `token-${randomBytes(6).toString("hex")}`;
    return this.audit.track(request, { userId: actor.userId, action: "create", resourceType: "api_key", resourceTarget: name }, 201, async (draft) => {
      const target = await this.users.resolve(actor, ref);
      authorize(actor, "create", { type: "api_key", ownerId: target.id }, NOUN);
      if (await getTokenByName(this.db, target.id, name)) throw new ConflictError(`A token named ${JSON.stringify(name)} already exists.`, "token_name");
      let key;
      try {
        key = await issueApiKey(this.db, this.clock, {
          userId: target.id,
          loginType: "token",
          tokenName: name,
          lifetimeSeconds: input.lifetime ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
          ip: request.ip,
        });
      } catch (err) {
        // Two requests with one name can both pass the check above; the index decides.
        if ((err as { code?: string }).code === "23505") throw new ConflictError(`A token named ${JSON.stringify(name)} already exists.`, "token_name");
        throw err;
      }
      draft.resourceId = key.id;
      draft.diff = { token_name: { old: null, new: name }, expires_at: { old: null, new: key.expiresAt.toISOString() } };
      draft.additionalFields = { user_id: target.id };
      return { key: key.token };
    });
  }

  async list(actor: Actor, ref: string): Promise<ApiKey[]> {
    const target = await this.users.resolve(actor, ref);
    authorize(actor, "read", { type: "api_key", ownerId: target.id }, NOUN);
    return (await listTokensByUser(this.db, target.id)).map(toApiKey);
  }

  async get(actor: Actor, ref: string, name: string): Promise<ApiKey> {
    const target = await this.users.resolve(actor, ref);
    authorize(actor, "read", { type: "api_key", ownerId: target.id }, NOUN);
    const row = await getTokenByName(this.db, target.id, name);
    if (!row) throw new NotFoundError(NOUN);
    return toApiKey(row);
  }

  /** Deletes one of the user's keys by id, or one of their tokens by name. */
  async delete(actor: Actor, ref: string, idOrName: string, request: AuditRequest): Promise<void> {
    await this.audit.track(request, { userId: actor.userId, action: "delete", resourceType: "api_key", resourceTarget: idOrName }, 204, async (draft) => {
      const target = await this.users.resolve(actor, ref);
      authorize(actor, "delete", { type: "api_key", ownerId: target.id }, NOUN);
      const row = await getApiKeyOfUser(this.db, target.id, idOrName);
      if (!row) throw new NotFoundError(NOUN);
      Object.assign(draft, { resourceId: row.id, resourceTarget: row.token_name || row.id, additionalFields: { user_id: target.id, login_type: row.login_type } });
      await deleteApiKey(this.db, row.id);
      await this.invalidations.keyRevoked(row.id);
    });
  }
}

function toApiKey(row: PublicApiKeyRow): ApiKey {
  return {
    id: row.id,
    user_id: row.user_id,
    token_name: row.token_name,
    login_type: row.login_type,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    last_used: row.last_used ? row.last_used.toISOString() : null,
  };
}
