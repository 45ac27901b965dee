import type { z } from "zod";
import { CliError } from "./errors.js";

/**
 * Checks a flag's value against the API's own schema before anything is
 * sent, so that the error names the flag the user typed rather than the
 * body field the server would name.
 */
export function validateFlag<T>(flag: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new CliError(`${flag}: ${flagProblem(result.error)}`);
}

/** The first problem of a failed check, for a prompt that asks again. */
export function flagProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "is not valid";
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return where + issue.message;
}
