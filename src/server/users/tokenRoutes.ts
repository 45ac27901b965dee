import { z } from "zod";
import { ApiKey, CreateTokenRequest, CreateTokenResponse } from "../../sdk/schemas/users.js";
import { auditRequestOf } from "../audit/auditService.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import type { TokenService } from "./tokenService.js";
import { UserParams } from "./userRoutes.js";

/** Key ids and token names are both letters, digits, '-' and '_'. */
const KeyRef = z.string().min(1).max(64).regex(/^[a-zA-Z0-9_-]+$/, "must be a key id or token name");
const TokenNameParams = UserParams.extend({ name: KeyRef }).strict();
const KeyParams = UserParams.extend({ key: KeyRef }).strict();

export function tokenRoutes(tokens: TokenService): RouteSpec[] {
  return [
    defineRoute({
      method: "POST",
      url: "/users/:user/keys/tokens",
      summary: "Create an API token; the answer holds the only copy of its secret.",
      tags: ["tokens"],
      auth: "user",
      params: UserParams,
      body: CreateTokenRequest,
      response: CreateTokenResponse,
      handler: async ({ actor, params, body, req }) => tokens.create(actor!, params.user, body, auditRequestOf(req)),
    }),
    defineRoute({
      method: "GET",
      url: "/users/:user/keys/tokens",
      summary: "List a user's API tokens.",
      tags: ["tokens"],
      auth: "user",
      params: UserParams,
      response: z.array(ApiKey),
      handler: async ({ actor, params }) => tokens.list(actor!, params.user),
    }),
    defineRoute({
      method: "GET",
      url: "/users/:user/keys/tokens/:name",
      summary: "Get one of a user's API tokens by name.",
      tags: ["tokens"],
      auth: "user",
      params: TokenNameParams,
      response: ApiKey,
      handler: async ({ actor, params }) => tokens.get(actor!, params.user, params.name),
    }),
    defineRoute({
      method: "DELETE",
      url: "/users/:user/keys/:key",
      summary: "Delete one of a user's keys by id, or one of their tokens by name.",
      tags: ["tokens"],
      auth: "user",
      params: KeyParams,
      status: 204,
      handler: async ({ actor, params, req }) => {
        await tokens.delete(actor!, params.user, params.key, auditRequestOf(req));
        return undefined;
      },
    }),
  ];
}
