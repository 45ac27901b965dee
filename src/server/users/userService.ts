import { Role, type CreateFirstUserRequest, type CreateUserRequest, type ListUsersResponse, type UpdatePasswordRequest, type User } from "../../sdk/schemas/users.js";
import { auditDiff, type AuditRequest, type AuditService } from "../audit/auditService.js";
import type { Actor } from "../auth/actor.js";
import { deleteSessionsOfUser } from "../auth/apiKeyQueries.js";
import type { AuthInvalidator } from "../auth/AuthInvalidations.js";
import { withMember } from "../auth/authenticate.js";
import { hashPassword, verifyPassword } from "../auth/passwords.js";
import { authorize, authorizeRoleChange, authorizeRoleGrant, authorizeUserChange, type Subject } from "../auth/policy.js";
import type { PasswordVerifier } from "../auth/sessions.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { ConflictError, InputError, NotAllowedError, NotFoundError } from "../errors.js";
import { getDefaultOrganizationId, getOrganizationIdsByUsers, insertOrganizationMember } from "../organizations/queries.js";
import {
  countUsers,
  getUserById,
  getUserByUsername,
  insertUser,
  listUsers,
  lockFirstUserCreation,
  lockOwners,
  updateUserPassword,
  updateUserRoles,
  updateUserStatus,
  type UserFilter,
  type UserProfileRow,
  type UserRow,
} from "./queries.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** User accounts: the first user, creating, finding, suspending, roles and passwords. */
export class UserService {
  private readonly verify: PasswordVerifier;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly invalidations: AuthInvalidator,
    opts: { verifyPassword?: PasswordVerifier } = {},
  ) {
    this.verify = opts.verifyPassword ?? verifyPassword;
  }

  async firstUserExists(): Promise<boolean> {
    return (await countUsers(this.db)) > 0;
  }

  /** Creates the first user as owner; refused once any user exists, also when two requests race. */
  async createFirstUser(input: CreateFirstUserRequest, request: AuditRequest): Promise<User> {
    const hashed = await hashPassword(input.password);
    const row = await this.db.transaction().execute(async (trx) => {
      await lockFirstUserCreation(trx);
      if ((await countUsers(trx)) > 0) throw new ConflictError("The first user has already been created; log in instead.");
      return this.insertWithMembership(trx, { ...input, roles: ["owner"] }, hashed);
    });
    await this.audit.record({
      userId: row.id,
      action: "create",
      resourceType: "user",
      resourceId: row.id,
      resourceTarget: row.username,
      diff: auditDiff({}, { username: row.username, email: row.email, name: row.name, roles: row.roles }),
      additionalFields: { first_user: true },
      statusCode: 201,
      request,
    });
    return this.toUser(row);
  }

  async createUser(actor: Actor, input: CreateUserRequest, request: AuditRequest): Promise<User> {
    return this.audit.track(request, { userId: actor.userId, action: "create", resourceType: "user", resourceTarget: input.username }, 201, async (draft) => {
      authorize(actor, "create", { type: "user" });
      const roles = normalizeRoles(input.roles ?? []);
      authorizeRoleGrant(actor, roles);
      const hashed = await hashPassword(input.password);
      const row = await this.db.transaction().execute((trx) => this.insertWithMembership(trx, { ...input, roles }, hashed));
      draft.resourceId = row.id;
      draft.diff = auditDiff({}, { username: row.username, email: row.email, name: row.name, roles: row.roles });
      return this.toUser(row);
    });
  }

  /** `me`, a user id or a username; someone missing answers NotFoundError. */
  async resolve(actor: Subject | null, ref: string): Promise<UserRow> {
    let row: UserRow | undefined;
    if (ref === "me") row = actor ? await getUserById(this.db, actor.userId) : undefined;
    else if (UUID.test(ref)) row = await getUserById(this.db, ref.toLowerCase());
    else row = await getUserByUsername(this.db, ref);
    if (!row) throw new NotFoundError("User");
    return row;
  }

  async get(actor: Actor, ref: string): Promise<User> {
    if (ref === "me" && actor.profile) {
      // The authenticator has just read (or recently cached) this user: no need to ask the database again.
      authorize(actor, "read", { type: "user", ownerId: actor.userId });
      return toUserWith(actor.profile.user, actor.profile.organizationIds);
    }
    const row = await this.resolve(actor, ref);
    authorize(actor, "read", { type: "user", ownerId: row.id });
    return this.toUser(row);
  }

  async list(actor: Actor, q: string | undefined, limit: number, offset: number): Promise<ListUsersResponse> {
    authorize(actor, "read", { type: "user" });
    const { rows, count } = await listUsers(this.db, parseUserSearch(q), limit, offset);
    const orgs = await getOrganizationIdsByUsers(this.db, rows.map((r) => r.id));
    return { users: rows.map((r) => toUserWith(r, orgs.get(r.id) ?? [])), count };
  }

  async setStatus(actor: Actor, ref: string, status: "active" | "suspended", request: AuditRequest): Promise<User> {
    return this.audit.track(request, { userId: actor.userId, action: "write", resourceType: "user", resourceTarget: ref }, 200, async (draft) => {
      const target = await this.resolve(actor, ref);
      Object.assign(draft, { resourceId: target.id, resourceTarget: target.username });
      authorizeUserChange(actor, "user", target);
      if (status === "suspended" && target.id === actor.userId) throw new NotAllowedError("You cannot suspend yourself.");
      const row =
        target.status === status
          ? target
          : await this.db.transaction().execute(async (trx) => {
              if (status === "suspended" && target.roles.includes("owner")) await this.keepAnotherActiveOwner(trx, target.id);
              return updateUserStatus(trx, target.id, status, this.clock.now());
            });
      if (row !== target) await this.invalidations.userChanged(target.id);
      draft.diff = auditDiff({ status: target.status }, { status: row.status });
      return this.toUser(row);
    });
  }

  async setRoles(actor: Actor, ref: string, requested: readonly string[], request: AuditRequest): Promise<User> {
    return this.audit.track(request, { userId: actor.userId, action: "write", resourceType: "user", resourceTarget: ref }, 200, async (draft) => {
      const target = await this.resolve(actor, ref);
      Object.assign(draft, { resourceId: target.id, resourceTarget: target.username });
      const roles = normalizeRoles(requested);
      authorizeRoleChange(actor, target, roles);
      const row = await this.db.transaction().execute(async (trx) => {
        if (target.roles.includes("owner") && !roles.includes("owner")) await this.keepAnotherActiveOwner(trx, target.id);
        return updateUserRoles(trx, target.id, roles, this.clock.now());
      });
      await this.invalidations.userChanged(target.id);
      draft.diff = auditDiff({ roles: target.roles }, { roles: row.roles });
      return this.toUser(row);
    });
  }

  /**
   * Changing your own password needs the old one; owners and user admins may
   * reset someone else's without it. Every other login session of that user
   * ends; API tokens stay.
   */
  async setPassword(actor: Actor, ref: string, input: UpdatePasswordRequest, request: AuditRequest): Promise<void> {
    await this.audit.track(request, { userId: actor.userId, action: "write", resourceType: "user", resourceTarget: ref }, 204, async (draft) => {
      const target = await this.resolve(actor, ref);
      Object.assign(draft, { resourceId: target.id, resourceTarget: target.username, diff: { password: { secret: true } } });
      authorizeUserChange(actor, "user_password", target);
      const self = target.id === actor.userId;
      if (self) {
        if (input.old_password === undefined) throw InputError.field("old_password", "is required to change your own password");
        if (!(await this.verify(input.old_password, target.hashed_password))) throw InputError.field("old_password", "is incorrect");
      }
      await updateUserPassword(this.db, target.id, await hashPassword(input.password), this.clock.now());
      await deleteSessionsOfUser(this.db, target.id, self ? actor.apiKeyId : undefined);
      await this.invalidations.userChanged(target.id);
    });
  }

  async toUser(row: UserRow): Promise<User> {
    const orgs = await getOrganizationIdsByUsers(this.db, [row.id]);
    return toUserWith(row, orgs.get(row.id) ?? []);
  }

  /**
   * Refuses a change that would leave no active owner. The owners' rows stay
   * locked until the transaction ends, so two owners demoting or suspending
   * each other at once cannot both pass.
   */
  private async keepAnotherActiveOwner(trx: Database, targetId: string): Promise<void> {
    const owners = await lockOwners(trx);
    if (!owners.some((o) => o.id !== targetId && o.status === "active")) {
      throw new ConflictError("This is the last active owner; make another user an owner first.");
    }
  }

  private async insertWithMembership(trx: Database, input: { username: string; email: string; name?: string; roles: string[] }, hashed: string): Promise<UserRow> {
    try {
      const row = await insertUser(trx, { username: input.username, email: input.email, name: input.name ?? "", hashedPassword: hashed, roles: input.roles, now: this.clock.now() });
      await insertOrganizationMember(trx, await getDefaultOrganizationId(trx), row.id);
      return row;
    } catch (err) {
      throw uniqueViolation(err) ?? err;
    }
  }
}

function uniqueViolation(err: unknown): ConflictError | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== "23505") return undefined;
  if (e.constraint === "users_username_unique") return new ConflictError("A user with this username already exists.", "username");
  if (e.constraint === "users_email_unique") return new ConflictError("A user with this email already exists.", "email");
  return undefined;
}

/** Stored roles leave out `member`, which every user has; sorted in the declared order. */
export function normalizeRoles(roles: readonly string[]): string[] {
  const set = new Set(roles);
  return Role.options.filter((r) => r !== "member" && set.has(r));
}

/** `status:active role:owner alice` → filters; other words search username and email. */
export function parseUserSearch(q: string | undefined): UserFilter {
  const filter: UserFilter = {};
  const words: string[] = [];
  for (const word of (q ?? "").trim().split(/\s+/).filter(Boolean)) {
    const [key, value] = word.includes(":") ? [word.slice(0, word.indexOf(":")).toLowerCase(), word.slice(word.indexOf(":") + 1)] : ["", word];
    if (key === "status") {
      if (value !== "active" && value !== "suspended") throw InputError.field("q", "status must be active or suspended");
      filter.status = value;
    } else if (key === "role") {
      if (!Role.safeParse(value).success) throw InputError.field("q", `role must be one of ${Role.options.join(", ")}`);
      if (value !== "member") filter.role = value;
    } else if (key) {
      throw InputError.field("q", `unknown filter ${JSON.stringify(key)}; use status:, role: or free text`);
    } else {
      words.push(value);
    }
  }
  if (words.length > 0) filter.text = words.join(" ");
  return filter;
}

function toUserWith(row: UserProfileRow, organizationIds: readonly string[]): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    name: row.name,
    status: row.status,
    roles: withMember(row.roles),
    organization_ids: [...organizationIds],
    created_at: row.created_at.toISOString(),
    last_seen_at: row.last_seen_at ? row.last_seen_at.toISOString() : null,
  };
}
