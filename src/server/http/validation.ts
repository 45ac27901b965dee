import type { z } from "zod";
import { InputError } from "../errors.js";
import type { FieldValidation } from "../../sdk/errors.js";

/** Parses `value` with `schema`; bad input becomes an InputError naming each field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: "body" | "query" | "params"): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const validations: FieldValidation[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) validations.push({ field: [...issue.path, key].join("."), detail: "unknown field" });
      continue;
    }
    const field = issue.path.length > 0 ? issue.path.join(".") : where;
    validations.push({ field, detail: issue.message });
  }
  const first = validations[0]!;
  const message = where === "body" && first.field === "body" ? `Invalid request body: ${first.detail}` : `Invalid ${first.field}: ${first.detail}`;
  return failWith(new InputError(message, validations));
}

function failWith(err: Error): never {
  throw err;
}
