import { NameLabel } from "../../sdk/schemas/common.js";

/**
 * Path-based app URLs: `/@<user>/<workspace>[.<agent>]/apps/<slug>/<rest>`.
 * The dashboard owns every other `/@user/workspace…` path (the workspace
 * page, the terminal), so only the `apps` segment marks a request for the
 * proxy.
 */
export type AppPathTarget = {
  user: string;
  workspace: string;
  /** Absent when the URL leaves it out (the workspace must then have one agent). */
  agent?: string;
  slug: string;
  /** `/@user/workspace[.agent]/apps/slug` as the request spelled it: X-Forwarded-Prefix. */
  prefix: string;
  /** The path below the prefix, starting with "/"; empty when the URL ends at the slug (redirected to add the slash). */
  rest: string;
  /** The query string with its "?", or empty. */
  query: string;
};

const CLAIMED = /^\/@[^/?#]*\/[^/?#]*\/apps(?:[/?#]|$)/;
const SHAPE = /^(\/@([^/?#]+)\/([^/?#]+)\/apps\/([^/?#]+))(\/[^?#]*)?(\?[^#]*)?/;

/** Whether a request URL belongs to the app proxy; cheap enough for every request. */
export function isAppPath(url: string): boolean {
  return url.startsWith("/@") && CLAIMED.test(url);
}

/** Parses a raw request URL (not decoded: the rest goes to the app byte for byte); a reason when malformed. */
export function parseAppPath(url: string): { target: AppPathTarget } | { invalid: string } {
  const m = SHAPE.exec(url);
  if (!m) return { invalid: "an app URL has the form /@<user>/<workspace>[.<agent>]/apps/<slug>/" };
  const [, prefix, user, workspaceAndAgent, slug, rest, query] = m as unknown as [string, string, string, string, string, string | undefined, string | undefined];
  const dot = workspaceAndAgent.indexOf(".");
  const workspace = dot < 0 ? workspaceAndAgent : workspaceAndAgent.slice(0, dot);
  const agent = dot < 0 ? undefined : workspaceAndAgent.slice(dot + 1);
  const names: Array<[string, string | undefined]> = [
    ["user", user.toLowerCase()],
    ["workspace", workspace.toLowerCase()],
    ["agent", agent?.toLowerCase()],
    ["app", slug.toLowerCase()],
  ];
  for (const [what, value] of names) {
    if (value !== undefined && !NameLabel.safeParse(value).success) return { invalid: `"${value}" is not a valid ${what} name` };
  }
  return {
    target: { user: user.toLowerCase(), workspace: workspace.toLowerCase(), agent: agent?.toLowerCase(), slug: slug.toLowerCase(), prefix, rest: rest ?? "", query: query ?? "" },
  };
}
