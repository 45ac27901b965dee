import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { ApiErrorBody, ErrorCode } from "../../sdk/errors.js";
import { AuthenticationError, ConflictError, InputError, NotAllowedError, NotFoundError, RateLimitError } from "../errors.js";

type Mapped = { status: number; body: ApiErrorBody; headers?: Record<string, string> };

/** Maps service errors to answers. Only 5xx are logged; stacks never leave the server. */
export function mapError(err: unknown): Mapped {
  const body = (code: ErrorCode, message: string, extra: Partial<ApiErrorBody> = {}): ApiErrorBody => ({ message, code, ...extra });
  if (err instanceof InputError) {
    return { status: 400, body: body("VALIDATION_FAILED", err.message, { ...(err.detail ? { detail: err.detail } : {}), ...(err.validations.length ? { validations: err.validations } : {}) }) };
  }
  if (err instanceof AuthenticationError) return { status: 401, body: body("UNAUTHENTICATED", err.message) };
  if (err instanceof NotAllowedError) return { status: 403, body: body("FORBIDDEN", err.message) };
  if (err instanceof NotFoundError) return { status: 404, body: body("NOT_FOUND", err.message) };
  if (err instanceof ConflictError) return { status: 409, body: body("CONFLICT", err.message, err.detail ? { detail: err.detail } : {}) };
  if (err instanceof RateLimitError) {
    return { status: 429, body: body("RATE_LIMITED", err.message), headers: { "retry-after": String(err.retryAfterSeconds) } };
  }
  const fe = err as Partial<FastifyError> & { statusCode?: number };
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own checks: malformed JSON, body too large, unsupported media type.
    if (fe.statusCode === 413) return { status: 413, body: body("PAYLOAD_TOO_LARGE", "Request body is too large.", { detail: fe.message }) };
    if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return { status: 415, body: body("BAD_REQUEST", "Unsupported content type.", { detail: fe.message }) };
    return { status: fe.statusCode, body: body("BAD_REQUEST", fe.statusCode === 400 ? "Invalid request body." : (fe.message ?? "Bad request."), { detail: fe.message }) };
  }
  return { status: 500, body: body("INTERNAL", "Internal error; the server log has the details.") };
}

export function createErrorHandler(log: Logger) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const mapped = mapError(err);
    if (mapped.status >= 500) log.error({ err, method: req.method, url: req.url, reqId: req.id }, "request failed");
    if (mapped.headers) void reply.headers(mapped.headers);
    void reply.status(mapped.status).send(mapped.body);
  };
}
