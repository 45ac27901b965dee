import type { FastifyInstance } from "fastify";
import type { Role, User } from "../../sdk/schemas/users.js";

/**
 * Fixtures for HTTP tests of any area: users made and logged in through the
 * API itself, so that a test sees what a client would.
 */
export const TEST_PASSWORD = "correct horse battery";

export type TestUser = { id: string; username: string; email: string; password: string; roles: Role[]; token: string };

export function withToken(token: string): Record<string, string> {
  return { "den-session-token": token };
}

export async function loginAs(app: FastifyInstance, email: string, password = TEST_PASSWORD): Promise<string> {
  const res = await app.inject({ method: "POST", url: "/api/v2/users/login", payload: { email, password } });
  if (res.statusCode !== 201) throw new Error(`login ${email}: ${res.statusCode} ${res.body}`);
  return (res.json() as { session_token: string }).session_token;
}

/** Creates the first user (an owner) and logs in. */
export async function createFirstOwner(app: FastifyInstance, username = "admin"): Promise<TestUser> {
  const email = `${username}@example.com`;
  const res = await app.inject({ method: "POST", url: "/api/v2/users/first", payload: { username, email, password: TEST_PASSWORD } });
  if (res.statusCode !== 201) throw new Error(`first user: ${res.statusCode} ${res.body}`);
  const user = res.json() as User;
  return { id: user.id, username, email, password: TEST_PASSWORD, roles: user.roles, token: await loginAs(app, email) };
}

/** Creates a user with these roles as `creator` (an owner) and logs them in. */
export async function createTestUser(app: FastifyInstance, creator: TestUser, username: string, roles: Role[] = []): Promise<TestUser> {
  const email = `${username}@example.com`;
  const res = await app.inject({
    method: "POST",
    url: "/api/v2/users",
    headers: withToken(creator.token),
    payload: { username, email, password: TEST_PASSWORD, roles },
  });
  if (res.statusCode !== 201) throw new Error(`create user ${username}: ${res.statusCode} ${res.body}`);
  const user = res.json() as User;
  return { id: user.id, username, email, password: TEST_PASSWORD, roles: user.roles, token: await loginAs(app, email) };
}
