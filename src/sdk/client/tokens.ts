import type { ApiKey, CreateTokenRequest, CreateTokenResponse } from "../schemas/users.js";
import type { HttpClient } from "./http.js";
import { userPath, type UserRef } from "./users.js";

/** API tokens of a user (`/api/v2/users/{user}/keys`). */
export class TokensApi {
  private readonly http: HttpClient;

  constructor(http: HttpClient) {
    this.http = http;
  }

  /** Creates a token; its secret is in the answer only, the server keeps a hash. */
  create(req: CreateTokenRequest = {}, user: UserRef = "me"): Promise<CreateTokenResponse> {
    return this.http.request<CreateTokenResponse>("POST", `${userPath(user)}/keys/tokens`, { body: req });
  }

  list(user: UserRef = "me"): Promise<ApiKey[]> {
    return this.http.request<ApiKey[]>("GET", `${userPath(user)}/keys/tokens`);
  }

  /** Deletes a key by its id (the part of the token before the dash). */
  async remove(id: string, user: UserRef = "me"): Promise<void> {
    await this.http.request<void>("DELETE", `${userPath(user)}/keys/${encodeURIComponent(id)}`);
  }
}
