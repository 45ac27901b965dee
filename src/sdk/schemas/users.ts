import { z } from "zod";
import { NameLabel, PageQuery, Timestamp, Uuid } from "./common.js";

export const Role = z.enum(["owner", "template-admin", "user-admin", "auditor", "member"]);
export type Role = z.infer<typeof Role>;

export const UserStatus = z.enum(["active", "suspended"]);
export type UserStatus = z.infer<typeof UserStatus>;

export const PASSWORD_MIN_LENGTH = 8;
export const Password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(256, "must be at most 256 characters");

export const Email = z.string().max(254, "must be at most 254 characters").pipe(z.email("must be an email address"));

export const Username = NameLabel;

/**
 * Free text stored or searched as given. Control characters are refused: a
 * NUL cannot even be stored in PostgreSQL text, and none belongs in a name.
 */
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
export function plainText(max: number) {
  return z.string().max(max, `must be at most ${max} characters`).regex(NO_CONTROL_CHARACTERS, "must not contain control characters");
}

/** A person's display name: any script, at most 128 characters. */
export const DisplayName = plainText(128);

/** The `q=` of list endpoints. */
export const SearchQuery = plainText(256);

export const User = z.object({
  id: Uuid,
  username: z.string(),
  email: z.string(),
  name: z.string(),
  status: UserStatus,
  /** Site-wide roles. Every user is a `member`; the list holds it too. */
  roles: z.array(Role),
  organization_ids: z.array(Uuid),
  created_at: Timestamp,
  last_seen_at: Timestamp.nullable(),
});
export type User = z.infer<typeof User>;

export const FirstUserStatus = z.object({ exists: z.boolean() });
export type FirstUserStatus = z.infer<typeof FirstUserStatus>;

export const CreateFirstUserRequest = z
  .object({ username: Username, email: Email, password: Password, name: DisplayName.optional() })
  .strict();
export type CreateFirstUserRequest = z.infer<typeof CreateFirstUserRequest>;

export const CreateUserRequest = z
  .object({
    username: Username,
    email: Email,
    password: Password,
    name: DisplayName.optional(),
    roles: z.array(Role).max(5).optional(),
  })
  .strict();
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

export const LoginRequest = z
  .object({
    email: plainText(254).min(1, "must not be empty"),
    password: z.string().min(1, "must not be empty").max(256, "must be at most 256 characters"),
  })
  .strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

export const LoginResponse = z.object({ session_token: z.string() });
export type LoginResponse = z.infer<typeof LoginResponse>;

export const UpdateRolesRequest = z.object({ roles: z.array(Role).max(5) }).strict();
export type UpdateRolesRequest = z.infer<typeof UpdateRolesRequest>;

export const UpdatePasswordRequest = z
  .object({ old_password: z.string().max(256).optional(), password: Password })
  .strict();
export type UpdatePasswordRequest = z.infer<typeof UpdatePasswordRequest>;

export const ListUsersQuery = PageQuery.extend({ q: SearchQuery.optional() });
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

export const ListUsersResponse = z.object({ users: z.array(User), count: z.number().int() });
export type ListUsersResponse = z.infer<typeof ListUsersResponse>;

/** Durations on the wire are whole seconds. */
export const CreateTokenRequest = z
  .object({
    token_name: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").regex(/^[a-zA-Z0-9_-]+$/, "must be letters, digits, '-' or '_'").optional(),
    lifetime: z.number().int().min(60, "must be at least 60 seconds").max(365 * 24 * 3600, "must be at most 365 days").optional(),
  })
  .strict();
export type CreateTokenRequest = z.infer<typeof CreateTokenRequest>;

export const CreateTokenResponse = z.object({ key: z.string() });
export type CreateTokenResponse = z.infer<typeof CreateTokenResponse>;

export const ApiKey = z.object({
  id: z.string(),
  user_id: Uuid,
  token_name: z.string(),
  login_type: z.enum(["password", "token"]),
  created_at: Timestamp,
  expires_at: Timestamp,
  last_used: Timestamp.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const BuildInfo = z.object({ version: z.string(), commit: z.string(), node_version: z.string() });
export type BuildInfo = z.infer<typeof BuildInfo>;
