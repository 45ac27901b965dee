import type { FieldValidation } from "../sdk/errors.js";

/**
 * The few errors services throw. The HTTP error handler maps them to status
 * codes; services never build HTTP answers themselves.
 */
export class InputError extends Error {
  override name = "InputError";
  readonly validations: FieldValidation[];
  readonly detail?: string;
  constructor(message: string, validations: FieldValidation[] = [], detail?: string) {
    super(message);
    this.validations = validations;
    this.detail = detail;
  }

  /** Bad input in one named field. */
  static field(field: string, detail: string): InputError {
    return new InputError(`Invalid ${field}: ${detail}`, [{ field, detail }]);
  }
}

export class AuthenticationError extends Error {
  override name = "AuthenticationError";
  constructor(message = "You must be logged in: pass a session token in the Den-Session-Token header.") {
    super(message);
  }
}

/** Authenticated, allowed to know the resource exists, but not to do this. */
export class NotAllowedError extends Error {
  override name = "NotAllowedError";
  constructor(message = "You are not allowed to do this.") {
    super(message);
  }
}

/** Missing, or exists but may not be seen: both answer the same. */
export class NotFoundError extends Error {
  override name = "NotFoundError";
  constructor(what = "Resource") {
    super(`${what} not found.`);
  }
}

export class ConflictError extends Error {
  override name = "ConflictError";
  readonly detail?: string;
  constructor(message: string, detail?: string) {
    super(message);
    this.detail = detail;
  }
}

export class RateLimitError extends Error {
  override name = "RateLimitError";
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
