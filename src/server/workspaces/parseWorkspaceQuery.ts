import { WorkspaceStatus } from "../../sdk/schemas/workspaces.js";
import { InputError } from "../errors.js";

/** What `GET /workspaces?q=` can filter on. */
export type WorkspaceFilter = {
  /** A username, or `me`. */
  owner?: string;
  template?: string;
  status?: WorkspaceStatus;
  /** Matched anywhere in the workspace name. */
  name?: string;
};

const KEYS = ["owner", "template", "status", "name"] as const;

/**
 * Parses `owner:me status:running template:docker name:dev`. A word without
 * a colon matches part of the name, like `name:`. A word with a colon must
 * name a known key, so that a typo does not silently widen the search.
 */
export function parseWorkspaceQuery(q: string | undefined): WorkspaceFilter {
  const filter: WorkspaceFilter = {};
  const words: string[] = [];
  for (const word of (q ?? "").trim().split(/\s+/).filter(Boolean)) {
    const colon = word.indexOf(":");
    if (colon < 0) {
      words.push(word);
      continue;
    }
    const key = word.slice(0, colon).toLowerCase();
    const value = word.slice(colon + 1);
    if (!(KEYS as readonly string[]).includes(key)) {
      throw InputError.field("q", `unknown filter ${JSON.stringify(key)}; use ${KEYS.map((k) => `${k}:`).join(", ")} or a part of the name`);
    }
    if (!value) throw InputError.field("q", `filter ${key} needs a value, e.g. ${key}:x`);
    if (key === "status") {
      const status = WorkspaceStatus.safeParse(value.toLowerCase());
      if (!status.success) throw InputError.field("q", `unknown status ${JSON.stringify(value)}; the statuses are ${WorkspaceStatus.options.join(", ")}`);
      filter.status = status.data;
    } else {
      filter[key as "owner" | "template" | "name"] = value;
    }
  }
  if (words.length > 0) {
    if (filter.name !== undefined || words.length > 1) throw InputError.field("q", "give one name (a bare word or name:x)");
    filter.name = words[0];
  }
  return filter;
}
