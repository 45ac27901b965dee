import { z } from "zod";

/** A UUID in its canonical text form. */
export const Uuid = z.uuid();

/** Timestamps travel as ISO 8601 strings in UTC. */
export const Timestamp = z.iso.datetime({ offset: true });

/**
 * Names that end up in host names and URLs: a DNS label, lower case. App
 * hostnames join user, workspace, agent and app names with "--"
 * (`<slug>--<agent>--<workspace>--<user>.<wildcard>`), so a name holding "--"
 * would make such a hostname ambiguous.
 */
export const NameLabel = z
  .string()
  .min(1, "must not be empty")
  .max(32, "must be at most 32 characters")
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "must be lower-case letters, digits and inner dashes (a DNS label)")
  .regex(/^(?!.*--)/, "must not contain '--' (it separates the parts of app hostnames)");

/** Paging for list endpoints. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const Empty = z.object({}).strict();
