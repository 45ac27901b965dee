import type {
  CreateFirstUserRequest,
  CreateUserRequest,
  FirstUserStatus,
  ListUsersResponse,
  LoginRequest,
  LoginResponse,
  Role,
  UpdatePasswordRequest,
  User,
} from "../schemas/users.js";
import type { HttpClient } from "./http.js";

/** Who a user route is about: a username, a user id, or "me" for the caller. */
export type UserRef = string;

export type ListUsersParams = { q?: string; limit?: number; offset?: number };

/** Users, sessions and the first-user set-up (`/api/v2/users`). */
export class UsersApi {
  private readonly http: HttpClient;

  constructor(http: HttpClient) {
    this.http = http;
  }

  /** Whether the server has any user yet; a fresh server has none. */
  async firstUserExists(): Promise<boolean> {
    const status = await this.http.request<FirstUserStatus>("GET", "/users/first");
    return status.exists;
  }

  /** Creates the first user, as `owner`; the server refuses (409) once any user exists. */
  createFirstUser(req: CreateFirstUserRequest): Promise<User> {
    return this.http.request<User>("POST", "/users/first", { body: req });
  }

  /**
   * Logs in with email and password. The returned session token is also
   * used by this client from now on.
   */
  async login(req: LoginRequest): Promise<LoginResponse> {
    const res = await this.http.request<LoginResponse>("POST", "/users/login", { body: req });
    this.http.token = res.session_token;
    return res;
  }

  /** Ends the session (or revokes the token) this client is using. */
  async logout(): Promise<void> {
    await this.http.request<void>("POST", "/users/logout");
    this.http.token = undefined;
  }

  me(): Promise<User> {
    return this.get("me");
  }

  get(user: UserRef): Promise<User> {
    return this.http.request<User>("GET", userPath(user));
  }

  list(params: ListUsersParams = {}): Promise<ListUsersResponse> {
    return this.http.request<ListUsersResponse>("GET", "/users", { query: params });
  }

  create(req: CreateUserRequest): Promise<User> {
    return this.http.request<User>("POST", "/users", { body: req });
  }

  suspend(user: UserRef): Promise<User> {
    return this.http.request<User>("PUT", `${userPath(user)}/status/suspend`);
  }

  activate(user: UserRef): Promise<User> {
    return this.http.request<User>("PUT", `${userPath(user)}/status/activate`);
  }

  updateRoles(user: UserRef, roles: Role[]): Promise<User> {
    return this.http.request<User>("PUT", `${userPath(user)}/roles`, { body: { roles } });
  }

  async updatePassword(user: UserRef, req: UpdatePasswordRequest): Promise<void> {
    await this.http.request<void>("PUT", `${userPath(user)}/password`, { body: req });
  }
}

/** The path of one user; the reference is escaped so that no input can reach another route. */
export function userPath(user: UserRef): string {
  return `/users/${encodeURIComponent(user)}`;
}
