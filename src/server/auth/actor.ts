import type { Role } from "../../sdk/schemas/users.js";

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
};
