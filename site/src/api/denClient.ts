import { DenClient } from "../../../src/sdk/client/DenClient.js";

/** The CSRF cookie the server sets at login; readable on purpose (double-submit). */
export function readCsrfCookie(cookies: string = document.cookie): string | undefined {
  for (const part of cookies.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "den_csrf_token") return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

/**
 * The API client of the dashboard. It authenticates with the session cookie
 * (never a token kept in JavaScript) and sends the CSRF header that
 * cookie-authenticated changes need.
 */
export function createDashboardClient(origin: string): DenClient {
  return new DenClient({ url: origin, csrfToken: () => readCsrfCookie() });
}

/** ws(s):// URL of an API path on the client's origin; the browser sends the session cookie with the upgrade. */
export function apiWebSocketUrl(client: DenClient, path: string, query: Record<string, string | number> = {}): string {
  const url = new URL(client.http.apiUrl(path));
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
  return url.toString();
}
