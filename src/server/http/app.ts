import fastifyWebsocket from "@fastify/websocket";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifyServerFactory } from "fastify";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { BuildInfo } from "../../sdk/schemas/users.js";
import type { Actor } from "../auth/actor.js";
import { conflictingCookiesMessage, CSRF_COOKIE, CSRF_HEADER, type Authenticator } from "../auth/authenticate.js";
import type { Clock } from "../clock.js";
import { AuthenticationError, NotAllowedError, RateLimitError } from "../errors.js";
import { readCookies } from "./cookies.js";
import { createErrorHandler, mapError } from "./errorHandler.js";
import { RateLimiter } from "./rateLimiter.js";
import type { RouteSpec } from "./route.js";
import { parseInput } from "./validation.js";
import { holdEarlyMessages } from "./holdEarlyMessages.js";

export const API_PREFIX = "/api/v2";

/**
 * Requests that are not the API's nor the dashboard's (workspace apps). It
 * sees every request and upgrade before Fastify does, so that app URLs win
 * over the dashboard's catch-all and app WebSockets never reach
 * @fastify/websocket.
 */
export type RequestInterceptor = {
  /** Decided from the URL and Host alone: it runs for every request. */
  claims(req: IncomingMessage): boolean;
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends what is still open, when the app closes. */
  close(): void;
};

/** Observes each answered request; the metrics module implements it. */
export type HttpObserver = (route: string, method: string, status: number, seconds: number) => void;

export type AppOptions = {
  log: Logger;
  clock: Clock;
  authenticate: Authenticator;
  routes: RouteSpec[];
  buildInfo: BuildInfo;
  apiRateLimit: number;
  observe?: HttpObserver;
  /** Extra plug-ins (dashboard, WebSocket endpoints) registered after the API. */
  extend?: (app: FastifyInstance) => Promise<void> | void;
  /** Served in front of Fastify; `app.inject()` does not pass through it, a listening server does. */
  intercept?: RequestInterceptor;
};

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | null;
    startTime: bigint;
  }
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Builds the HTTP app without listening; tests call `app.inject()` on it. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.log.child({ component: "http" }) as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: "idle",
    // Long path parameters reach the route's schema, which names the field, rather
    // than falling through to the dashboard's catch-all as a 404.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
    ...(opts.intercept ? { serverFactory: interceptingServer(opts.intercept) } : {}),
  });
  if (opts.intercept) {
    const intercept = opts.intercept;
    app.addHook("preClose", (done) => {
      intercept.close();
      done();
    });
  }
  const endConnections = endConnectionsWhenQuiet(app.server);
  app.addHook("preClose", (done) => {
    endConnections();
    done();
  });
  app.decorateRequest("actor", null);
  app.decorateRequest("startTime", 0n);
  app.setErrorHandler(createErrorHandler(opts.log));

  // Binary bodies (template archives) arrive as Buffers.
  app.addContentTypeParser(["application/x-tar", "application/octet-stream"], { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  const limiter = new RateLimiter(opts.apiRateLimit, opts.clock);
  await app.register(fastifyWebsocket, { options: { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 } });

  /** Auth, rate limit, CSRF and input parsing: the same for HTTP and WebSocket. */
  const prepare = async (route: RouteSpec, req: FastifyRequest, isWebSocket: boolean) => {
    const actor = route.ignoresSession ? null : await opts.authenticate(req);
    req.actor = actor;
    const retryAfter = limiter.hit(actor ? `user:${actor.userId}` : `ip:${req.ip}`);
    if (retryAfter > 0) throw new RateLimitError("Too many requests; slow down and try again.", retryAfter);
    if (route.auth === "user" && !actor) throw new AuthenticationError();
    if (actor?.via === "cookie" && isWebSocket) checkOrigin(req);
    else if (actor?.via === "cookie" && req.method !== "GET") checkCsrf(req);
    const body = route.body ? parseInput(route.body, req.body ?? {}, "body") : undefined;
    const query = route.query ? parseInput(route.query, req.query ?? {}, "query") : undefined;
    const params = route.params ? parseInput(route.params, req.params ?? {}, "params") : undefined;
    return { body, query, params, actor, req };
  };

  app.addHook("onRequest", async (req) => {
    req.startTime = process.hrtime.bigint();
  });
  app.addHook("onResponse", async (req, reply) => {
    if (!opts.observe) return;
    const seconds = Number(process.hrtime.bigint() - req.startTime) / 1e9;
    opts.observe(req.routeOptions.url ?? "unmatched", req.method, reply.statusCode, seconds);
  });

  app.get("/healthz", async (_req, reply) => reply.type("text/plain").send("OK"));
  app.get(`${API_PREFIX}/buildinfo`, async () => opts.buildInfo);

  for (const route of opts.routes) {
    app.route({
      method: route.method,
      url: API_PREFIX + route.url,
      bodyLimit: route.bodyLimit ?? DEFAULT_BODY_LIMIT,
      ...(route.websocket
        ? {
            wsHandler: async (socket, req) => {
              holdEarlyMessages(socket);
              try {
                const ctx = await prepare(route, req, true);
                await route.websocket!(socket, ctx);
              } catch (err) {
                const mapped = mapError(err);
                if (mapped.status >= 500) opts.log.error({ err, url: req.url }, "websocket handler failed");
                // Close reasons are limited to 123 bytes.
                socket.close(4000 + mapped.status, Buffer.from(mapped.body.message).subarray(0, 120).toString());
              }
            },
          }
        : {}),
      handler: async (req, reply) => {
        const ctx = await prepare(route, req, false);
        const result = await route.handler({ ...ctx, reply });
        if (reply.sent) return reply;
        const status = route.status ?? (route.method === "POST" ? 201 : 200);
        if (status === 204 || result === undefined) return reply.status(status === 200 || status === 201 ? 204 : status).send();
        return reply.status(status).send(result);
      },
    });
  }

  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ message: `No route for ${req.method} ${req.url.split("?")[0]}.`, code: "NOT_FOUND" });
  });

  if (opts.extend) await opts.extend(app);
  return app;
}

/**
 * The HTTP server Fastify would make (same timeouts), with the interceptor
 * in front: its requests never enter Fastify, and its upgrades are taken
 * before the 'upgrade' listeners (@fastify/websocket's) hear of them.
 */
function interceptingServer(intercept: RequestInterceptor): FastifyServerFactory {
  return (handler, opts) => {
    const options = opts as { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number };
    const server = http.createServer((req, res) => (intercept.claims(req) ? intercept.handleRequest(req, res) : handler(req, res)));
    server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
    server.requestTimeout = options.requestTimeout ?? 0;
    server.setTimeout(options.connectionTimeout ?? 0);
    const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
    server.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === "upgrade" && intercept.claims(args[0] as IncomingMessage)) {
        intercept.handleUpgrade(args[0] as IncomingMessage, args[1] as Duplex, args[2] as Buffer);
        return true;
      }
      return emit(event, ...args);
    }) as typeof server.emit;
    return server;
  };
}

/**
 * Arms the end of every HTTP connection once the app closes and no request is
 * in flight. Node's close ends idle keep-alive connections only: one that was
 * opened but has not sent a request yet (a client pool's spare connection)
 * counts as busy, and close would wait until the client gives up on it (over
 * a minute for fetch's spare connection, as measured). Requests in flight
 * still finish first. Upgraded connections (WebSockets, app tunnels) have left
 * the HTTP server and are closed by their owners.
 */
function endConnectionsWhenQuiet(server: http.Server): () => void {
  let closing = false;
  let inFlight = 0;
  const endIfQuiet = () => {
    if (closing && inFlight === 0) server.closeAllConnections();
  };
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
      endIfQuiet();
    });
  });
  // One accepted after the sweep, before the listening socket closed, would be missed by it.
  server.on("connection", (socket: Socket) => {
    if (closing && inFlight === 0) socket.destroy();
  });
  return () => {
    closing = true;
    endIfQuiet();
  };
}

/**
 * A browser sends cookies with cross-site WebSocket upgrades and no CSRF
 * header can be added, so a cookie-authenticated upgrade must come from a page
 * of our own host.
 */
function checkOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (!origin) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new NotAllowedError("Malformed Origin header.");
  }
  if (host !== req.headers.host) throw new NotAllowedError("Cross-origin WebSocket requests with a session cookie are refused.");
}

/**
 * Double-submit check: a page on our origin can read the CSRF cookie and echo it
 * in a header; a cross-site form cannot.
 */
function checkCsrf(req: FastifyRequest): void {
  // Several copies: one may have been planted by an app host (see sessionTokenOf), and which one the page echoes is unknown.
  const cookies = readCookies(req.headers.cookie, CSRF_COOKIE);
  if (cookies.length > 1) throw new NotAllowedError(conflictingCookiesMessage("CSRF"));
  const cookie = cookies[0];
  const header = req.headers[CSRF_HEADER];
  const sent = Array.isArray(header) ? header[0] : header;
  if (!cookie || !sent || cookie !== sent) {
    throw new NotAllowedError(`Requests authenticated by cookie must send the ${CSRF_COOKIE} cookie's value in the Den-CSRF-Token header.`);
  }
}
