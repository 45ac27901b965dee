import type { Role } from "../../sdk/schemas/users.js";
import type { UserProfileRow } from "../users/queries.js";

/** Who is making a request, as the policy sees them. */
export type Actor = {
  userId: string;
  username: string;
  email: string;
  /** Site-wide roles, always including "member". */
  roles: Role[];
  /** The API key (session or token) that authenticated the request. */
  apiKeyId: string;
  /** Cookie-authenticated requests that change state must carry a CSRF token. */
  via: "header" | "cookie";
  /**
   * The user as the authenticator read them along with the key, so that
   * `GET /users/me` need not read them again. As fresh as the cached key
   * (ApiKeyCache): seconds old at most, and read again after any change to
   * the user's status or roles.
   */
  profile?: { user: UserProfileRow; organizationIds: readonly string[] };
};
