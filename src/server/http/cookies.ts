import { isIP } from "node:net";

/** Reads one cookie from a Cookie header (the first of that name); undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  return readCookies(header, name)[0];
}

/**
 * Every value a Cookie header holds for one name, in the order sent, empty
 * values included. A browser sends several when it keeps cookies of the same
 * name for different Domain or Path attributes, which the header does not
 * show: the caller cannot tell which one it set itself.
 */
export function readCookies(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      values.push(decodeURIComponent(value));
    } catch {
      values.push(value);
    }
  }
  return values;
}

/**
 * The Domain attributes a cookie that the browser sends to `hostname` may
 * have been set with: the host itself and each parent domain. None for an IP
 * address, which takes host-only cookies only.
 */
export function cookieDomainsOf(hostname: string): string[] {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "" || isIP(host.replace(/^\[|\]$/g, "")) !== 0) return [];
  const labels = host.split(".");
  return labels.map((_, i) => labels.slice(i).join("."));
}

export type CookieOptions = {
  maxAgeSeconds?: number;
  httpOnly?: boolean;
  secure?: boolean;
  path?: string;
  /** Without it the cookie is host-only. */
  domain?: string;
  sameSite?: "Lax" | "Strict";
};

export function serializeCookie(name: string, value: string, opts: CookieOptions = {}): string {
  const parts = [`${name}=${encodeURIComponent(value)}`];
  if (opts.domain !== undefined) parts.push(`Domain=${opts.domain}`);
  parts.push(`Path=${opts.path ?? "/"}`, `SameSite=${opts.sameSite ?? "Lax"}`);
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  if (opts.httpOnly) parts.push("HttpOnly");
  if (opts.secure) parts.push("Secure");
  return parts.join("; ");
}
