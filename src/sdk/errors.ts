import { z } from "zod";

/** The body of every error answer of the API. */
export const ApiErrorBody = z.object({
  message: z.string(),
  detail: z.string().optional(),
  code: z.string().optional(),
  validations: z.array(z.object({ field: z.string(), detail: z.string() })).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
export type FieldValidation = { field: string; detail: string };

/** Stable error codes; clients may switch on them, people read `message`. */
export const ErrorCode = z.enum([
  "BAD_REQUEST",
  "VALIDATION_FAILED",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMITED",
  "PAYLOAD_TOO_LARGE",
  "INTERNAL",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** An error answer of the API as the typed client raises it. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ApiErrorBody;
  readonly url: string;

  constructor(status: number, body: ApiErrorBody, url: string) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
    this.url = url;
  }

  /** One line for people: the message, its detail and the first field errors. */
  describe(): string {
    const parts = [this.body.message];
    if (this.body.detail) parts.push(this.body.detail);
    for (const v of this.body.validations ?? []) parts.push(`${v.field}: ${v.detail}`);
    return parts.join(": ");
  }
}

/** The server could not be reached at all (refused, DNS, TLS...). */
export class NetworkError extends Error {
  readonly url: string;
  constructor(url: string, cause: unknown) {
    const reason = cause instanceof Error ? (causeMessage(cause) ?? cause.message) : String(cause);
    super(`cannot reach ${url}: ${reason}`, { cause });
    this.name = "NetworkError";
    this.url = url;
  }
}

function causeMessage(err: Error): string | undefined {
  const inner = (err as { cause?: unknown }).cause;
  if (inner instanceof Error) return causeMessage(inner) ?? inner.message;
  if (inner && typeof inner === "object" && "code" in inner) return String((inner as { code: unknown }).code);
  return undefined;
}
