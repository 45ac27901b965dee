import { ApiError } from "../../../src/sdk/errors.js";

/** What to show people for a failed request: the server's message and field errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isUnauthenticated(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}
