import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { AgentAppSpec } from "../../sdk/schemas/agentProtocol.js";
import { TunnelClosedError, TunnelStreamError, type TunnelClient } from "../../tunnel/openTunnel.js";
import type { AgentConnections } from "../agents/agentConnections.js";
import type { Authenticator } from "../auth/authenticate.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { readCookie, serializeCookie } from "../http/cookies.js";
import { decideAccess, pathAppLevel, type ShareLevel, type Viewer } from "./appAccess.js";
import { sendAppError, writeAppErrorToSocket, type AppErrorPage } from "./appErrorPage.js";
import { matchAppHost, parseWildcardHost, type AppHostTarget, type HostMatch, type WildcardHost } from "./appHostname.js";
import { isAppPath, parseAppPath } from "./appPath.js";
import type { AppTokenSigner } from "./appTokens.js";
import { AppViewers } from "./AppViewers.js";
import { getAppWorkspace, type AppAgent, type AppWorkspace } from "./appWorkspaceQueries.js";
import { ExpiringCache } from "./ExpiringCache.js";
import { capPortShareLevel } from "./maxPortShareLevel.js";
import { getPortShare } from "./portShareQueries.js";
import { appRequestHeaders, appResponseHeaders, type ForwardedFor } from "./proxyHeaders.js";
import { sameOriginPath, takeConnectParam } from "./takeConnectParam.js";
import { relayUpgrade } from "./relayUpgrade.js";
import { openTunnelSocket, TunnelHttpAgents } from "./TunnelHttpAgents.js";
import { WorkspaceUsageTracker } from "./WorkspaceUsageTracker.js";

/** Cookie on an app host that holds its signed app token. */
export const APP_TOKEN_COOKIE = "den_app_token";

/** How long a workspace's agents, apps and health, and a port's share, are reused before being read again. */
const LOOKUP_CACHE_MS = 2000;

/** Seconds between reloads of a "starting" page. */
const REFRESH_SECONDS = 2;

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "0.0.0.0"]);

export type AppProxyOptions = {
  db: Database;
  clock: Clock;
  log: Logger;
  connections: AgentConnections;
  signer: AppTokenSigner;
  /** The API's authenticator: path apps know the dashboard session. */
  authenticate: Authenticator;
  /** The dashboard's URL (it can change once the server listens). */
  accessUrl: () => string;
  /** --wildcard-access-url; empty for none. */
  wildcardAccessUrl: string;
  disablePathApps: boolean;
  dangerousAllowPathAppSharing: boolean;
  dangerousAllowPathAppSiteOwnerAccess: boolean;
  /** Lifetime of the den_app_token cookie: that of a dashboard session. */
  sessionDurationMs: number;
  observe?: (route: string, method: string, status: number, seconds: number) => void;
};

/** Anything but a proxied request: a page or a redirect. */
type Answer =
  | { kind: "page"; page: AppErrorPage; headers?: Record<string, string> }
  | { kind: "redirect"; status: 303 | 308; location: string; headers?: Record<string, string> };

type Destination = {
  kind: "proxy";
  agentId: string;
  tunnel: TunnelClient;
  port: number;
  https: boolean;
  /** Path and query as the app receives them. */
  path: string;
  workspaceId: string;
  workspaceUrl: string;
  forwarded: ForwardedFor;
};

type PortShare = Awaited<ReturnType<typeof getPortShare>>;

/**
 * The app proxy: path-based apps (/@user/workspace[.agent]/apps/slug/) and
 * subdomain apps and ports (<slug|port>--<agent>--<workspace>--<user>.<wildcard>).
 * It sits in front of Fastify (see buildApp's interceptor), decides who may
 * open what (docs/apps.md), and relays HTTP requests and WebSocket upgrades
 * through the agent's tunnel to the port inside the workspace.
 */
export class AppProxy {
  private readonly wildcard: WildcardHost | undefined;
  private readonly viewers: AppViewers;
  private readonly workspaces: ExpiringCache<AppWorkspace | undefined>;
  private readonly portShares: ExpiringCache<PortShare>;
  private readonly agents = new TunnelHttpAgents();
  private readonly usage: WorkspaceUsageTracker;
  /** Client sockets of exchanges in flight, ended when the server closes. */
  private readonly open = new Set<Duplex>();
  private accessCache: { url: string; host: string | undefined; proto: string } | undefined;
  private readonly hostMatches = new Map<string, HostMatch>();

  constructor(private readonly opts: AppProxyOptions) {
    this.wildcard = parseWildcardHost(opts.wildcardAccessUrl);
    this.viewers = new AppViewers(opts.db, opts.clock, opts.signer, opts.authenticate);
    this.workspaces = new ExpiringCache(opts.clock, LOOKUP_CACHE_MS);
    this.portShares = new ExpiringCache(opts.clock, LOOKUP_CACHE_MS);
    this.usage = new WorkspaceUsageTracker(opts.db, opts.clock, opts.log);
  }

  /** Whether the request is an app's: its host is under the wildcard, or its path is a path app's. */
  claims(req: IncomingMessage): boolean {
    if (isAppPath(req.url ?? "")) return true;
    return this.wildcard !== undefined && this.matchHost(req.headers.host).kind !== "other";
  }

  /** matchAppHost, remembered per Host header: every request of an app host asks twice (claims, route). */
  private matchHost(host: string | undefined): HostMatch {
    if (host === undefined) return { kind: "other" };
    let match = this.hostMatches.get(host);
    if (!match) {
      if (this.hostMatches.size >= 10_000) this.hostMatches.clear();
      match = matchAppHost(host, this.wildcard, this.access().host);
      this.hostMatches.set(host, match);
    }
    return match;
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.opts.observe) {
      const started = process.hrtime.bigint();
      res.once("finish", () => this.opts.observe!("app-proxy", req.method ?? "GET", res.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
    }
    this.route(req, false)
      .then((outcome) => (outcome.kind === "proxy" ? this.forward(req, res, outcome, false) : this.answer(req, res, outcome)))
      .catch((err: unknown) => {
        this.opts.log.error({ err, url: req.url }, "app proxy failed");
        sendAppError(req, res, { status: 500, title: "App proxy error", reason: "Den could not handle this request; the server log has the details." });
      });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    this.route(req, true)
      .then((outcome) => {
        if (outcome.kind === "proxy") return this.forwardUpgrade(req, socket, head, outcome);
        if (outcome.kind === "redirect") return writeAppErrorToSocket(socket, { status: outcome.status, title: "Moved", reason: `See ${outcome.location}` }, { Location: outcome.location });
        writeAppErrorToSocket(socket, outcome.page, outcome.headers);
      })
      .catch((err: unknown) => {
        this.opts.log.error({ err, url: req.url }, "app proxy upgrade failed");
        writeAppErrorToSocket(socket, { status: 500, title: "App proxy error", reason: "Den could not handle this request; the server log has the details." });
      });
  }

  /** Ends proxied exchanges still open (long downloads, event streams, WebSockets) so that the server can close. */
  close(): void {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
    this.agents.closeAll();
  }

  private access(): { host: string | undefined; proto: string } {
    const url = this.opts.accessUrl();
    if (this.accessCache?.url !== url) {
      // The access URL's host is never an app host; what was remembered may have counted it as one.
      this.hostMatches.clear();
      const parsed = URL.canParse(url) ? new URL(url) : undefined;
      this.accessCache = { url, host: parsed?.hostname.toLowerCase(), proto: parsed?.protocol === "https:" ? "https" : "http" };
    }
    return this.accessCache;
  }

  private async route(req: IncomingMessage, upgrade: boolean): Promise<Answer | Destination> {
    const url = req.url ?? "/";
    const match = this.matchHost(req.headers.host);
    if (match.kind === "invalid") return page(400, "Bad app address", `This address names no app or port: ${match.reason}.`);
    if (match.kind === "target") {
      if (!url.startsWith("/")) return page(400, "Bad request", "The request target must be a path.");
      return this.routeSubdomain(req, match.target, url, upgrade);
    }
    return this.routePath(req, url, upgrade);
  }

  private async routeSubdomain(req: IncomingMessage, target: AppHostTarget, url: string, upgrade: boolean): Promise<Answer | Destination> {
    const host = req.headers.host!.toLowerCase();
    const { path, query, connect } = takeConnectParam(url);
    if (connect !== undefined) return this.exchange(connect, host, path + query);
    const viewer = await this.viewers.fromAppToken(readCookie(req.headers.cookie, APP_TOKEN_COOKIE), host);
    const ws = await this.workspace(target.user, target.workspace);
    const agent = ws?.agents.find((a) => a.name === target.agent);
    const forwarded = this.forwardedFor(req);
    const signIn = () => `${this.opts.accessUrl()}/api/v2/applications/auth-redirect?redirect_uri=${encodeURIComponent(`${this.access().proto}://${host}${url}`)}`;
    if (target.kind === "app") {
      const app = agent?.apps.find((a) => a.slug === target.slug && a.url !== undefined);
      const denied = this.check(req, upgrade, viewer, ws && app ? { level: app.share, ownerId: ws.ownerId } : undefined, true, signIn);
      return denied ?? this.appDestination(ws!, agent!, app!, path + query, forwarded);
    }
    let level: ShareLevel | undefined;
    if (ws && agent) {
      // The owner needs no share; others' requests look it up (cached).
      const share = viewer?.userId === ws.ownerId ? undefined : await this.portShare(ws.workspaceId, agent.name, target.port);
      level = capPortShareLevel(share?.share_level ?? "owner", ws.maxPortShareLevel);
    }
    const denied = this.check(req, upgrade, viewer, ws && level ? { level, ownerId: ws.ownerId } : undefined, true, signIn);
    if (denied) return denied;
    return this.destination(ws!, agent!, target.port, target.https, path + query, forwarded);
  }

  private async routePath(req: IncomingMessage, url: string, upgrade: boolean): Promise<Answer | Destination> {
    if (this.opts.disablePathApps) {
      return page(403, "Path-based apps are disabled", "This Den server does not serve apps by path (--disable-path-apps); open the app on its subdomain instead.");
    }
    const parsed = parseAppPath(url);
    if ("invalid" in parsed) return page(400, "Bad app address", `This address names no app: ${parsed.invalid}.`);
    const t = parsed.target;
    if (t.rest === "") return { kind: "redirect", status: 308, location: `${t.prefix}/${t.query}` };
    const { query } = takeConnectParam(t.query);
    const viewer = await this.viewers.fromSession(req.headers);
    const ws = await this.workspace(t.user, t.workspace);
    const login = () => `/login?redirect=${encodeURIComponent(url)}`;
    const siteOwner = this.opts.dangerousAllowPathAppSiteOwnerAccess;
    if (ws && !t.agent && ws.agents.length > 1) {
      const denied = this.check(req, upgrade, viewer, { level: "owner", ownerId: ws.ownerId }, siteOwner, login);
      if (denied) return denied;
      const names = ws.agents.map((a) => a.name).join(", ");
      return page(404, "Name the agent", `Workspace ${ws.workspaceName} has several agents (${names}): open /@${t.user}/${t.workspace}.<agent>/apps/${t.slug}/ instead.`);
    }
    const agent = ws && (t.agent ? ws.agents.find((a) => a.name === t.agent) : ws.agents[0]);
    const app = agent?.apps.find((a) => a.slug === t.slug && a.url !== undefined);
    const subject = ws && app ? { level: pathAppLevel(app.share, this.opts.dangerousAllowPathAppSharing), ownerId: ws.ownerId } : undefined;
    const denied = this.check(req, upgrade, viewer, subject, siteOwner, login);
    if (denied) return denied;
    return this.appDestination(ws!, agent!, app!, t.rest + query, { ...this.forwardedFor(req), prefix: t.prefix });
  }

  /**
   * Whether the viewer may go on; otherwise the answer. An unknown app and
   * one the viewer may not open answer alike. Cross-origin WebSocket upgrades
   * to non-public apps are refused: a browser sends the app's cookie with
   * them whatever page opened the socket.
   */
  private check(
    req: IncomingMessage,
    upgrade: boolean,
    viewer: Viewer,
    subject: { level: ShareLevel; ownerId: string } | undefined,
    siteOwnerAllowed: boolean,
    loginUrl: () => string,
  ): Answer | undefined {
    const decision = subject ? decideAccess({ level: subject.level, viewer, ownerId: subject.ownerId, siteOwnerAllowed }) : viewer ? "hidden" : "login";
    if (decision === "hidden") return page(404, "App not found", "There is no such app or port, or you may not open it.");
    if (decision === "login") {
      if (!upgrade && (req.method === "GET" || req.method === "HEAD")) return { kind: "redirect", status: 303, location: loginUrl() };
      return page(401, "Log in to open this app", "This app is not public: log in to Den, then open it again.");
    }
    if (upgrade && subject!.level !== "public" && crossOrigin(req)) return page(403, "Cross-origin WebSocket refused", "A WebSocket to this app must be opened by a page of the app itself.");
    return undefined;
  }

  /** Trades an exchange token from the API origin for this host's app cookie, then goes back to the page without the token. */
  private async exchange(token: string, host: string, pathAndQuery: string): Promise<Answer> {
    const now = this.opts.clock.now();
    const back = sameOriginPath(pathAndQuery);
    const payload = this.opts.signer.verify(token, { typ: "exchange", host, now });
    const viewer = payload ? await this.viewers.activeUser(payload.uid) : null;
    if (!payload || !viewer) {
      return page(400, "Sign-in link not valid", "This sign-in link is invalid, has expired or was made for another app.", { href: back, text: "Open the app again" });
    }
    const seconds = Math.floor(this.opts.sessionDurationMs / 1000);
    const appToken = this.opts.signer.sign({ typ: "app", uid: payload.uid, host, exp: Math.floor(now.getTime() / 1000) + seconds });
    const cookie = serializeCookie(APP_TOKEN_COOKIE, appToken, { httpOnly: true, sameSite: "Lax", secure: this.access().proto === "https", maxAgeSeconds: seconds });
    return { kind: "redirect", status: 303, location: back, headers: { "set-cookie": cookie } };
  }

  private async workspace(user: string, name: string): Promise<AppWorkspace | undefined> {
    const key = `${user}/${name}`;
    const ws = await this.workspaces.get(key, () => getAppWorkspace(this.opts.db, user, name));
    // A workspace that does not exist yet may exist a moment later: misses are not kept.
    if (!ws) this.workspaces.delete(key);
    return ws;
  }

  private portShare(workspaceId: string, agentName: string, port: number): Promise<PortShare> {
    return this.portShares.get(`${workspaceId}/${agentName}/${port}`, () => getPortShare(this.opts.db, workspaceId, agentName, port));
  }

  private appDestination(ws: AppWorkspace, agent: AppAgent, app: AgentAppSpec, rest: string, forwarded: ForwardedFor): Answer | Destination {
    const name = app.display_name || app.slug;
    const url = URL.canParse(app.url!) ? new URL(app.url!) : undefined;
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !LOOPBACK.has(url.hostname)) {
      return page(502, `${name} is misconfigured`, `The app's url (${app.url}) must be an http or https URL of the workspace itself: localhost, 127.0.0.1, [::1] or 0.0.0.0.`);
    }
    const health = agent.appHealth[app.slug];
    const workspaceLink = { href: this.workspaceUrl(ws), text: `Go to workspace ${ws.workspaceName}` };
    if (ws.status === "running" && health === "unhealthy") {
      const check = app.healthcheck;
      return page(502, `${name} is unhealthy`, `The app's health check ${check?.url ?? ""} failed ${check?.threshold ?? "several"} times in a row.`, workspaceLink);
    }
    if (ws.status === "running" && health === "initializing") {
      return page(503, `${name} is starting`, `The app's health check ${app.healthcheck?.url ?? ""} has not passed yet; this page reloads until it does.`, workspaceLink, REFRESH_SECONDS);
    }
    const https = url.protocol === "https:";
    const port = Number(url.port || (https ? 443 : 80));
    return this.destination(ws, agent, port, https, url.pathname.replace(/\/+$/, "") + rest, forwarded);
  }

  private destination(ws: AppWorkspace, agent: AppAgent, port: number, https: boolean, path: string, forwarded: ForwardedFor): Answer | Destination {
    const workspaceUrl = this.workspaceUrl(ws);
    const link = { href: workspaceUrl, text: `Go to workspace ${ws.workspaceName}` };
    if (ws.status === "pending" || ws.status === "starting") {
      return page(503, `Workspace ${ws.workspaceName} is starting`, `Workspace ${ws.workspaceName} is ${ws.status}; this page reloads until it runs.`, link, REFRESH_SECONDS);
    }
    if (ws.status !== "running") {
      return page(502, `Workspace ${ws.workspaceName} is not running`, `Workspace ${ws.workspaceName} is ${ws.status}: start it from its page.`, link);
    }
    const tunnel = this.opts.connections.tunnel(agent.id);
    if (!tunnel) {
      // A newer build may have a new agent: read the workspace again next time.
      this.workspaces.delete(`${ws.ownerName.toLowerCase()}/${ws.workspaceName.toLowerCase()}`);
      return page(503, `Agent ${agent.name} is not connected`, `The agent "${agent.name}" of workspace ${ws.workspaceName} is not connected; this page reloads until it is.`, link, REFRESH_SECONDS);
    }
    return { kind: "proxy", agentId: agent.id, tunnel, port, https, path, workspaceId: ws.workspaceId, workspaceUrl, forwarded };
  }

  private workspaceUrl(ws: AppWorkspace): string {
    return `${this.opts.accessUrl()}/@${ws.ownerName}/${ws.workspaceName}`;
  }

  private forwardedFor(req: IncomingMessage): ForwardedFor {
    return { for: req.socket.remoteAddress ?? "", proto: this.access().proto, host: req.headers.host ?? "" };
  }

  private answer(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
    if (answer.kind === "page") return sendAppError(req, res, answer.page, answer.headers);
    res.writeHead(answer.status, { ...answer.headers, location: answer.location, "cache-control": "no-store", "content-length": 0 });
    res.end();
  }

  /**
   * Relays one request. A body-less request that fails on a reused
   * connection (the app closed it while idle) is tried once more.
   */
  private forward(req: IncomingMessage, res: ServerResponse, dest: Destination, retry: boolean): void {
    this.usage.touch(dest.workspaceId);
    const client = req.socket;
    this.open.add(client);
    const agent = this.agents.agentFor(dest.agentId, dest.tunnel, dest.port, dest.https);
    const upstream = http.request({ agent, method: req.method, path: dest.path, headers: appRequestHeaders(req.rawHeaders, dest.forwarded, undefined), host: "127.0.0.1", port: dest.port });
    const bodyless = req.headers["transfer-encoding"] === undefined && (req.headers["content-length"] ?? "0") === "0";
    let answered = false;
    upstream.on("response", (incoming) => {
      answered = true;
      try {
        res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, appResponseHeaders(incoming.rawHeaders));
      } catch (err) {
        // Node's client takes some header bytes that its server refuses to send.
        sendAppError(req, res, { status: 502, title: "The app answered badly", reason: `The app's answer could not be passed on: ${(err as Error).message}.` });
        return void upstream.destroy();
      }
      incoming.pipe(res);
      incoming.on("error", () => res.destroy());
      incoming.on("aborted", () => res.destroy());
    });
    upstream.on("error", (err) => {
      if (res.destroyed || res.writableEnded) return;
      if (!answered && !retry && bodyless && upstream.reusedSocket) return this.forward(req, res, dest, true);
      if (answered || res.headersSent) return void res.destroy();
      sendAppError(req, res, this.upstreamError(err, dest));
    });
    res.on("close", () => {
      this.open.delete(client);
      if (!res.writableFinished) upstream.destroy();
    });
    if (bodyless) upstream.end();
    else req.pipe(upstream);
  }

  /**
   * Relays a WebSocket (or other) upgrade on a tunnel stream of its own
   * (relayUpgrade.ts), counted among the exchanges ended when the server closes.
   */
  private async forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, dest: Destination): Promise<void> {
    this.usage.touch(dest.workspaceId);
    let stream: Duplex;
    try {
      stream = await openTunnelSocket(dest.tunnel, dest.port, dest.https);
    } catch (err) {
      return writeAppErrorToSocket(socket, this.upstreamError(err, dest));
    }
    if (socket.destroyed) return void stream.destroy();
    this.open.add(socket);
    socket.once("close", () => this.open.delete(socket));
    relayUpgrade({
      client: socket,
      head,
      upstream: stream,
      method: req.method ?? "GET",
      path: dest.path,
      headers: appRequestHeaders(req.rawHeaders, dest.forwarded, req.headers.upgrade ?? "websocket"),
      explain: (err) => this.upstreamError(err, dest),
    });
  }

  private upstreamError(err: unknown, dest: Destination): AppErrorPage {
    const link = { href: dest.workspaceUrl, text: "Go to the workspace" };
    if (err instanceof TunnelStreamError) return { status: 502, title: "Nothing to connect to", reason: `${capitalize(err.message)}.`, link };
    if (err instanceof TunnelClosedError) return { status: 503, title: "Agent disconnected", reason: "The workspace's agent disconnected; try again in a moment.", link };
    const message = err instanceof Error ? err.message : String(err);
    return { status: 502, title: "The app did not answer", reason: `The app on port ${dest.port} inside the workspace did not answer${dest.https ? " over HTTPS" : ""}: ${message}.`, link };
  }
}

function page(status: number, title: string, reason: string, link?: { href: string; text: string }, refreshSeconds?: number): Answer {
  return { kind: "page", page: { status, title, reason, link, refreshSeconds } };
}

function crossOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  if (!URL.canParse(origin)) return true;
  return new URL(origin).host.toLowerCase() !== (req.headers.host ?? "").toLowerCase();
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
