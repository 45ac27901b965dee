import { subdomainUrl } from "../../../../src/sdk/portUrl.js";
import type { ApplicationsHost } from "../../../../src/sdk/schemas/applications.js";
import type { WorkspaceAgent } from "../../../../src/sdk/schemas/workspaces.js";

/**
 * Where the dashboard sends people for a workspace app or port: pure
 * functions of the app, its workspace and how the server serves apps
 * (`GET /api/v2/applications/host`), so every case can be tested without a
 * browser. The URL shapes are those of the app proxy (docs/apps.md): paths
 * on the dashboard's origin, or hosts under the wildcard.
 */

export type WorkspaceApp = WorkspaceAgent["apps"][number];

/** What an app's button does. */
export type AppTarget =
  /** `newTab` for web pages; a custom scheme (vscode://) hands over to another program and leaves no tab. */
  | { kind: "link"; href: string; newTab: boolean }
  | { kind: "terminal"; to: string }
  | { kind: "disabled"; reason: string };

export type AppContext = {
  owner: string;
  workspace: string;
  agent: string;
  /** The workspace is running and this agent is connected. */
  reachable: boolean;
  /** Undefined while the server's answer is not known. */
  appsHost: ApplicationsHost | undefined;
  /** Why the server's answer is not known, when asking failed. */
  appsHostError?: string;
  /** The dashboard page's scheme, "http:" or "https:": subdomain apps use the access URL's. */
  scheme: string;
};

/** The apps that get a button: hidden ones left out, then by `order` and display name. */
export function visibleApps(apps: WorkspaceApp[]): WorkspaceApp[] {
  return apps
    .filter((app) => !app.hidden)
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0) || a.display_name.localeCompare(b.display_name) || a.slug.localeCompare(b.slug));
}

/** `/@<owner>/<workspace>.<agent>/apps/<slug>/` on the dashboard's origin. */
export function appPathUrl(owner: string, workspace: string, agent: string, slug: string): string {
  return `/@${encodeURIComponent(owner)}/${encodeURIComponent(workspace)}.${encodeURIComponent(agent)}/apps/${encodeURIComponent(slug)}/`;
}

/** `<scheme>//<slug>--<agent>--<workspace>--<owner>.<suffix>/`; undefined without a wildcard host. */
export function appSubdomainUrl(scheme: string, wildcardHost: string, owner: string, workspace: string, agent: string, slug: string): string | undefined {
  return subdomainUrl(scheme, wildcardHost, slug, { owner, workspace, agent });
}

/**
 * Schemes an external app may not use: they run code in the dashboard's
 * origin (javascript:, vbscript:) or show content the template author
 * chose as if it came from here (data:, blob:), or reach the user's files.
 */
const REFUSED_SCHEMES = new Set(["javascript:", "vbscript:", "data:", "blob:", "file:", "about:", "filesystem:"]);

/**
 * The href for an external app (opened on the user's machine, e.g.
 * `vscode://…`), normalised by the URL parser so that tricks like
 * " java\tscript:" are seen for what they are; undefined when refused.
 */
export function safeExternalUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  return REFUSED_SCHEMES.has(url.protocol.toLowerCase()) ? undefined : url.href;
}

/** An icon is shown only from an http(s) URL or a path on this server; anything else shows nothing. */
export function iconSource(icon: string | undefined): string | undefined {
  if (!icon) return undefined;
  if (icon.startsWith("/") && !icon.startsWith("//")) return icon;
  try {
    const url = new URL(icon);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The web terminal page running the app's command (the page looks the command up by slug). */
export function appTerminalUrl(owner: string, workspace: string, agent: string, slug: string): string {
  return `/@${encodeURIComponent(owner)}/${encodeURIComponent(workspace)}.${encodeURIComponent(agent)}/terminal?app=${encodeURIComponent(slug)}`;
}

/** What the app's button does, or why it is disabled. */
export function appTarget(app: WorkspaceApp, ctx: AppContext): AppTarget {
  if (!ctx.reachable) return { kind: "disabled", reason: "The workspace is not running or its agent is not connected." };
  if (app.external !== undefined) {
    const href = safeExternalUrl(app.external);
    if (!href) return { kind: "disabled", reason: "The template's external URL uses a scheme the dashboard does not open." };
    return { kind: "link", href, newTab: href.startsWith("http:") || href.startsWith("https:") };
  }
  if (app.command !== undefined) return { kind: "terminal", to: appTerminalUrl(ctx.owner, ctx.workspace, ctx.agent, app.slug) };
  if (!ctx.appsHost) {
    return { kind: "disabled", reason: ctx.appsHostError ? `Cannot tell how the server serves apps: ${ctx.appsHostError}` : "Finding out how the server serves apps…" };
  }
  if (app.subdomain) {
    const href = appSubdomainUrl(ctx.scheme, ctx.appsHost.host, ctx.owner, ctx.workspace, ctx.agent, app.slug);
    return href ? { kind: "link", href, newTab: true } : { kind: "disabled", reason: "This app needs a subdomain: the server has no --wildcard-access-url." };
  }
  if (!ctx.appsHost.path_apps) return { kind: "disabled", reason: "Path-based apps are disabled on this server (--disable-path-apps)." };
  return { kind: "link", newTab: true, href: appPathUrl(ctx.owner, ctx.workspace, ctx.agent, app.slug) };
}

/** The health dot's words, or undefined for apps without a health check (no dot). */
export function healthTitle(health: WorkspaceApp["health"]): string | undefined {
  switch (health) {
    case "healthy":
      return "Healthy";
    case "initializing":
      return "Starting: waiting for the first good health check";
    case "unhealthy":
      return "Unhealthy: the health check keeps failing";
    case "disabled":
      return undefined;
  }
}
