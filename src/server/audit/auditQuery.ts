import { InputError } from "../errors.js";

/** What `GET /audit?q=` can filter on. */
export type AuditFilter = {
  action?: string;
  resourceType?: string;
  resourceId?: string;
  username?: string;
  statusCode?: number;
  /** Free text, matched anywhere in the resource target. */
  text?: string;
};

const KEYS: Record<string, keyof AuditFilter> = {
  action: "action",
  resource_type: "resourceType",
  resource_id: "resourceId",
  username: "username",
  status_code: "statusCode",
};

/**
 * Parses `action:login resource_type:user username:alice some text`. A word
 * with a colon must name a known key; other words form the free text.
 */
export function parseAuditQuery(q: string | undefined): AuditFilter {
  const filter: AuditFilter = {};
  const words: string[] = [];
  for (const word of (q ?? "").trim().split(/\s+/).filter(Boolean)) {
    const colon = word.indexOf(":");
    if (colon <= 0) {
      words.push(word);
      continue;
    }
    const key = word.slice(0, colon).toLowerCase();
    const value = word.slice(colon + 1);
    const field = KEYS[key];
    if (!field) throw InputError.field("q", `unknown filter ${JSON.stringify(key)}; use ${Object.keys(KEYS).join(", ")} or free text`);
    if (!value) throw InputError.field("q", `filter ${key} needs a value, e.g. ${key}:x`);
    if (field === "statusCode") {
      if (!/^\d{3}$/.test(value)) throw InputError.field("q", "status_code must be a three-digit HTTP status");
      filter.statusCode = Number(value);
    } else {
      filter[field] = value;
    }
  }
  if (words.length > 0) filter.text = words.join(" ");
  return filter;
}
