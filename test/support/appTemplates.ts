import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import { AppTokenSigner } from "../../src/server/apps/appTokens.js";
import type { AgentWorkspaceEnv } from "./agentWorkspace.js";
import { appRequest } from "./appRequest.js";
import { createTestTemplate } from "./templates.js";
import type { TestServer } from "./testServer.js";

/** An app of a test template's agent `main`, as den.yaml spells it. */
export type TestApp = { slug: string; url: string; share?: "owner" | "authenticated" | "public"; subdomain?: boolean; healthcheck?: { url: string; interval?: number; threshold?: number } };

/** A process-driver template whose one agent, `main`, has these apps. */
export function appsTemplate(name: string, apps: TestApp[], opts: { maxPortShareLevel?: "owner" | "authenticated" | "public" } = {}): string {
  const lines = apps.map((app) => `      - ${JSON.stringify(app)}`);
  return `
name: ${name}
max_port_share_level: ${opts.maxPortShareLevel ?? "owner"}
resources:
  box: {driver: process, kind: process, lifetime: ephemeral, command: ["sleep", "infinity"]}
agents:
  main:
    resource: box
    apps:
${lines.join("\n")}
`;
}

/**
 * Makes a template with these apps (as the site owner) and a workspace of
 * alice's from it, and waits until its agent is connected.
 */
export async function createAppWorkspace(t: AgentWorkspaceEnv, name: string, apps: TestApp[], opts: { maxPortShareLevel?: "owner" | "authenticated" | "public" } = {}): Promise<Workspace> {
  const template = await createTestTemplate(t.env.server, t.jobs, t.owner.token, name, { "den.yaml": appsTemplate(name, apps, opts) });
  const ws = await t.api.createAndSettle(t.alice.token, { name, template_id: template.id });
  if (ws.status !== "running") throw new Error(`workspace ${name} is ${ws.status}: ${ws.latest_build.job.error}`);
  return t.waitForAgent(ws.id, (a) => a.status === "connected");
}

/**
 * Signs a browser-like client in to an app host the way a browser does:
 * the auth-redirect endpoint (with the dashboard session cookie) hands out an
 * exchange token, the app host trades it for its den_app_token cookie.
 * Answers the cookie's value.
 */
export async function signInToAppHost(serverUrl: string, appHost: string, sessionToken: string, path = "/"): Promise<string> {
  const redirectUri = `http://${appHost}${path}`;
  const first = await appRequest(serverUrl, { path: `/api/v2/applications/auth-redirect?redirect_uri=${encodeURIComponent(redirectUri)}`, cookies: { den_session_token: sessionToken } });
  if (first.status !== 303) throw new Error(`auth-redirect answered ${first.status}: ${first.text()}`);
  const location = new URL(first.headers.location!);
  const second = await appRequest(serverUrl, { host: location.host, path: location.pathname + location.search });
  const cookie = second.cookies().den_app_token;
  if (second.status !== 303 || !cookie) throw new Error(`the app host answered ${second.status} without a den_app_token cookie: ${second.text()}`);
  return cookie;
}

/** A signer with the server's own key (read from the database), for tests that forge or expire tokens. */
export async function serverTokenSigner(server: TestServer): Promise<AppTokenSigner> {
  const res = await server.database.pool.query<{ value: Buffer }>("SELECT value FROM deployment_secrets WHERE name = 'app_token_signing_key'");
  if (!res.rows[0]) throw new Error("the server has no app token signing key");
  return new AppTokenSigner(res.rows[0].value);
}
