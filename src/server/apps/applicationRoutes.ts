import { ApplicationsHost, AuthRedirectQuery } from "../../sdk/schemas/applications.js";
import type { Clock } from "../clock.js";
import { InputError } from "../errors.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import { matchAppHost, parseWildcardHost } from "./appHostname.js";
import { APP_CONNECT_PARAM, takeConnectParam } from "./takeConnectParam.js";
import type { AppTokenSigner } from "./appTokens.js";

/** An exchange token only has to survive one redirect. */
const EXCHANGE_TOKEN_SECONDS = 60;

export type ApplicationRoutesOptions = {
  signer: AppTokenSigner;
  clock: Clock;
  accessUrl: () => string;
  wildcardAccessUrl: string;
  disablePathApps: boolean;
};

/**
 * Where apps are served, and the sign-in of subdomain apps: the dashboard
 * session (host-only on the API origin) never reaches an app host, so a
 * logged-in browser is sent here, gets a short-lived token bound to the app
 * host, and the proxy on that host trades it for a cookie of its own.
 */
export function applicationRoutes(opts: ApplicationRoutesOptions): RouteSpec[] {
  const wildcard = parseWildcardHost(opts.wildcardAccessUrl);
  const tags = ["applications"];
  return [
    defineRoute({
      method: "GET",
      url: "/applications/host",
      summary: "The wildcard host of subdomain apps and ports (empty without one), and whether path-based apps are served",
      tags,
      auth: "user",
      response: ApplicationsHost,
      handler: () => ({ host: opts.wildcardAccessUrl, path_apps: !opts.disablePathApps }),
    }),
    defineRoute({
      method: "GET",
      url: "/applications/auth-redirect",
      summary: "Sign in to a subdomain app or port: redirects to redirect_uri with a short-lived den_app_connect token (to /login first when not logged in)",
      tags,
      auth: "none",
      query: AuthRedirectQuery,
      handler: ({ actor, query, req, reply }) => {
        if (!actor) {
          void reply.redirect(`/login?redirect=${encodeURIComponent(req.url)}`, 303);
          return undefined;
        }
        const target = appUrl(query.redirect_uri);
        const now = Math.floor(opts.clock.now().getTime() / 1000);
        const token = opts.signer.sign({ typ: "exchange", uid: actor.userId, host: target.host, exp: now + EXCHANGE_TOKEN_SECONDS });
        // The page's own query stays as it was; a stale token in it is replaced.
        const { path, query: rest } = takeConnectParam(target.pathname + target.search);
        const location = `${target.origin}${path}${rest ? `${rest}&` : "?"}${APP_CONNECT_PARAM}=${token}${target.hash}`;
        void reply.header("cache-control", "no-store").redirect(location, 303);
        return undefined;
      },
    }),
  ];

  /** The redirect_uri when it is an app or port URL under the wildcard host, with the access URL's scheme. */
  function appUrl(text: string): URL {
    const bad = (detail: string) => InputError.field("redirect_uri", detail);
    if (!wildcard) throw bad("this server serves no subdomain apps (it has no --wildcard-access-url)");
    if (!URL.canParse(text)) throw bad("must be an absolute URL");
    const url = new URL(text);
    const access = new URL(opts.accessUrl());
    if (url.protocol !== access.protocol) throw bad(`must be an ${access.protocol.slice(0, -1)} URL, like the server's access URL`);
    if (url.username || url.password) throw bad("must not hold a user name or password");
    const defaultPort = url.protocol === "https:" ? "443" : "80";
    if ((url.port || defaultPort) !== (wildcard.port || defaultPort)) throw bad(`must be on port ${wildcard.port || defaultPort}, like ${opts.wildcardAccessUrl}`);
    const match = matchAppHost(url.host, wildcard, access.hostname.toLowerCase());
    if (match.kind !== "target") throw bad(`must be the URL of an app or port under ${opts.wildcardAccessUrl}`);
    return url;
  }
}
