/**
 * Where to go after logging in. Only a path on this origin is accepted
 * ("/workspaces?q=x"); absolute URLs, protocol-relative ("//evil") and
 * backslash tricks ("/\evil") fall back, so a crafted link cannot send a
 * fresh session to another site.
 */
export function safeRedirect(target: string | null | undefined, fallback = "/workspaces"): string {
  if (!target || !target.startsWith("/") || target.startsWith("//") || target.includes("\\")) return fallback;
  // Control characters are ignored by URL parsing and could hide a "//".
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(target)) return fallback;
  const url = new URL(target, "http://den.invalid");
  if (url.origin !== "http://den.invalid") return fallback;
  return url.pathname + url.search + url.hash;
}

/**
 * Paths the server answers itself rather than the dashboard's router: the
 * API (e.g. the subdomain-app auth redirect) and path-based apps
 * (`/@<user>/<workspace>[.<agent>]/apps/…`). After logging in, these need a
 * full page load.
 */
export function isServerPath(path: string): boolean {
  return path.startsWith("/api/") || /^\/@[^/]+\/[^/]+\/apps(?:[/?#]|$)/.test(path);
}
