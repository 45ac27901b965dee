import type { FastifyReply, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import type { z } from "zod";
import type { Actor } from "../auth/actor.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * - `none`: anyone; the actor is still filled in when a valid token is sent.
 * - `user`: a logged-in, active user; otherwise 401.
 */
export type AuthMode = "none" | "user";

export type RouteContext<B, Q, P> = {
  body: B;
  query: Q;
  params: P;
  /** Set when auth is "user"; may be set when auth is "none". */
  actor: Actor | null;
  req: FastifyRequest;
  reply: FastifyReply;
};

export type RouteSpec<B = unknown, Q = unknown, P = unknown, R = unknown> = {
  method: HttpMethod;
  /** Path below /api/v2 in Fastify syntax, e.g. "/users/:user". */
  url: string;
  summary: string;
  tags: string[];
  auth: AuthMode;
  /**
   * The route never looks at who calls it (logging in): no session is read, so
   * session or CSRF cookies that conflict (see sessionTokenOf) cannot stop it.
   */
  ignoresSession?: boolean;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** Schema of a successful answer, for the OpenAPI document. */
  response?: z.ZodType<R>;
  /** Status of a successful answer; 204 sends no body. Default 200 (201 for POST). */
  status?: number;
  /** Largest accepted body in bytes; default 1 MiB. */
  bodyLimit?: number;
  /** Content types accepted besides JSON, e.g. "application/x-tar" (the body is then a Buffer). */
  rawBodyTypes?: string[];
  handler(ctx: RouteContext<B, Q, P>): Promise<R | undefined> | R | undefined;
  /**
   * Serves WebSocket upgrades of the same URL (after the same auth and input
   * checks). Errors close the socket with code 4000 + the HTTP status.
   */
  websocket?(socket: WebSocket, ctx: Omit<RouteContext<B, Q, P>, "reply">): Promise<void> | void;
};

/** Keeps the generic types of one route while collecting routes of any type. */
export function defineRoute<B = undefined, Q = undefined, P = undefined, R = unknown>(spec: RouteSpec<B, Q, P, R>): RouteSpec {
  return spec as unknown as RouteSpec;
}
