/** Query parameter that brings an exchange token from the API origin to an app host. */
export const APP_CONNECT_PARAM = "den_app_connect";

/**
 * Splits den_app_connect off a request URL. The rest of the query stays as
 * the client sent it, byte for byte.
 */
export function takeConnectParam(url: string): { path: string; query: string; connect: string | undefined } {
  const q = url.indexOf("?");
  if (q < 0) return { path: url, query: "", connect: undefined };
  let connect: string | undefined;
  const kept: string[] = [];
  for (const part of url.slice(q + 1).split("&")) {
    const eq = part.indexOf("=");
    if (safeDecode(eq < 0 ? part : part.slice(0, eq)) === APP_CONNECT_PARAM) connect ??= safeDecode(eq < 0 ? "" : part.slice(eq + 1));
    else kept.push(part);
  }
  return { path: url.slice(0, q), query: kept.length > 0 ? `?${kept.join("&")}` : "", connect };
}

/**
 * A Location on the same origin: a path that starts with one slash. Leading
 * slashes and backslashes collapse, so that `//evil.example/` (which a
 * browser reads as another host) stays here.
 */
export function sameOriginPath(pathAndQuery: string): string {
  return `/${pathAndQuery.replace(/^[/\\]+/, "")}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}
