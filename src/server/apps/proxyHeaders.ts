/**
 * Header rewriting of the app proxy, on Node's raw header lists
 * ([name, value, name, value, …], as received, duplicates kept).
 */

/** Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection, not the message. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Den's credentials: never shown to an app. */
export const DEN_COOKIES = new Set(["den_session_token", "den_csrf_token", "den_app_token"]);
const DEN_HEADERS = new Set(["den-session-token", "den-csrf-token"]);

export type ForwardedFor = {
  /** The client's address. */
  for: string;
  /** http or https: how the client reached Den. */
  proto: string;
  /** The Host the client asked for. */
  host: string;
  /** The path prefix the proxy removed (path apps). */
  prefix?: string;
};

/**
 * The headers sent to the app: hop-by-hop headers, Den's cookies and
 * headers, Expect (the proxy already answered it) and any X-Forwarded-* the
 * client made up are dropped; the proxy's own X-Forwarded-* are added. An
 * upgrade keeps its Connection and Upgrade headers.
 */
export function appRequestHeaders(raw: readonly string[], forwarded: ForwardedFor, upgrade: string | undefined): string[] {
  const named = connectionTokens(raw);
  const out: string[] = [];
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    let value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === "transfer-encoding") chunked = true;
    if (HOP_BY_HOP.has(lower) || named.has(lower) || DEN_HEADERS.has(lower) || lower === "expect" || lower === "forwarded" || lower.startsWith("x-forwarded-")) continue;
    if (lower === "cookie") {
      value = withoutDenCookies(value);
      if (value === "") continue;
    }
    out.push(name, value);
  }
  // The body is streamed on as it arrives; its framing is chunked again when it came chunked.
  if (chunked && !upgrade) out.push("Transfer-Encoding", "chunked");
  if (upgrade) out.push("Connection", "Upgrade", "Upgrade", upgrade);
  out.push("X-Forwarded-For", forwarded.for, "X-Forwarded-Proto", forwarded.proto, "X-Forwarded-Host", forwarded.host);
  if (forwarded.prefix !== undefined) out.push("X-Forwarded-Prefix", forwarded.prefix);
  return out;
}

/**
 * The headers sent back to the client: hop-by-hop headers dropped (Node
 * frames the body again), and any Set-Cookie naming a `den_` cookie, so that
 * an app cannot plant or overwrite Den's cookies (on a path app's origin they
 * would be the dashboard's).
 */
export function appResponseHeaders(raw: readonly string[], keepUpgrade = false): string[] {
  const named = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (keepUpgrade && (lower === "connection" || lower === "upgrade")) {
      out.push(name, value);
      continue;
    }
    if (HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    if (lower === "set-cookie" && setsDenCookie(value)) continue;
    out.push(name, value);
  }
  return out;
}

/** The cookie header without Den's cookies; empty when nothing is left. */
export function withoutDenCookies(header: string): string {
  return header
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part !== "" && !DEN_COOKIES.has(cookieName(part)))
    .join("; ");
}

function setsDenCookie(setCookie: string): boolean {
  return cookieName(setCookie.split(";", 1)[0] ?? "").toLowerCase().startsWith("den_");
}

function cookieName(pair: string): string {
  const eq = pair.indexOf("=");
  return (eq < 0 ? pair : pair.slice(0, eq)).trim();
}

/** Headers a Connection header names are hop-by-hop too. */
function connectionTokens(raw: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== "connection") continue;
    for (const token of raw[i + 1]!.split(",")) tokens.add(token.trim().toLowerCase());
  }
  return tokens;
}
