import { z } from "zod";
import { Empty } from "../../sdk/schemas/common.js";
import {
  CreateFirstUserRequest,
  CreateUserRequest,
  FirstUserStatus,
  plainText,
  ListUsersQuery,
  ListUsersResponse,
  UpdatePasswordRequest,
  UpdateRolesRequest,
  User,
} from "../../sdk/schemas/users.js";
import { auditRequestOf } from "../audit/auditService.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import type { UserService } from "./userService.js";

/** `{user}` in a path: a username, a user id, or `me`. */
export const UserParams = z.object({ user: plainText(256).min(1, "must not be empty") }).strict();

export function userRoutes(users: UserService): RouteSpec[] {
  return [
    defineRoute({
      method: "GET",
      url: "/users/first",
      summary: "Whether the first user has been created.",
      tags: ["users"],
      auth: "none",
      response: FirstUserStatus,
      handler: async () => ({ exists: await users.firstUserExists() }),
    }),
    defineRoute({
      method: "POST",
      url: "/users/first",
      summary: "Create the first user, an owner. Refused with 409 once any user exists.",
      tags: ["users"],
      auth: "none",
      body: CreateFirstUserRequest,
      response: User,
      handler: async ({ body, req }) => users.createFirstUser(body, auditRequestOf(req)),
    }),
    defineRoute({
      method: "GET",
      url: "/users",
      summary: "List users. q searches username and email; status:active|suspended and role:<role> filter.",
      tags: ["users"],
      auth: "user",
      query: ListUsersQuery,
      response: ListUsersResponse,
      handler: async ({ actor, query }) => users.list(actor!, query.q, query.limit, query.offset),
    }),
    defineRoute({
      method: "POST",
      url: "/users",
      summary: "Create a user (owner, user-admin).",
      tags: ["users"],
      auth: "user",
      body: CreateUserRequest,
      response: User,
      handler: async ({ actor, body, req }) => users.createUser(actor!, body, auditRequestOf(req)),
    }),
    defineRoute({
      method: "GET",
      url: "/users/:user",
      summary: "Get a user by username, id, or `me`.",
      tags: ["users"],
      auth: "user",
      params: UserParams,
      response: User,
      handler: async ({ actor, params }) => users.get(actor!, params.user),
    }),
    defineRoute({
      method: "PUT",
      url: "/users/:user/status/suspend",
      summary: "Suspend a user: their sessions and tokens stop working (owner, user-admin).",
      tags: ["users"],
      auth: "user",
      params: UserParams,
      body: Empty,
      response: User,
      handler: async ({ actor, params, req }) => users.setStatus(actor!, params.user, "suspended", auditRequestOf(req)),
    }),
    defineRoute({
      method: "PUT",
      url: "/users/:user/status/activate",
      summary: "Activate a suspended user (owner, user-admin).",
      tags: ["users"],
      auth: "user",
      params: UserParams,
      body: Empty,
      response: User,
      handler: async ({ actor, params, req }) => users.setStatus(actor!, params.user, "active", auditRequestOf(req)),
    }),
    defineRoute({
      method: "PUT",
      url: "/users/:user/roles",
      summary: "Replace a user's site roles (owner, user-admin; only an owner grants or revokes owner).",
      tags: ["users"],
      auth: "user",
      params: UserParams,
      body: UpdateRolesRequest,
      response: User,
      handler: async ({ actor, params, body, req }) => users.setRoles(actor!, params.user, body.roles, auditRequestOf(req)),
    }),
    defineRoute({
      method: "PUT",
      url: "/users/:user/password",
      summary: "Change a password: your own with old_password, anyone's as owner or user-admin. Ends the user's other sessions.",
      tags: ["users"],
      auth: "user",
      params: UserParams,
      body: UpdatePasswordRequest,
      status: 204,
      handler: async ({ actor, params, body, req }) => {
        await users.setPassword(actor!, params.user, body, auditRequestOf(req));
        return undefined;
      },
    }),
  ];
}
