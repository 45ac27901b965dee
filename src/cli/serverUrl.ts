import { CliError } from "./errors.js";

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?(?:\/|$)/i;

/**
 * The server URL as the CLI stores it: with a scheme (http:// for loopback
 * hosts, https:// for others, when none was typed) and without a trailing
 * slash, query or fragment.
 */
export function normalizeServerUrl(raw: string): string {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `${LOOPBACK.test(text) ? "http" : "https"}://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`"${raw}" is not a server URL: use http(s)://host[:port], e.g. http://127.0.0.1:3000`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliError(`"${raw}" is not a server URL: the scheme must be http or https`);
  }
  if (url.username || url.password) {
    throw new CliError(`"${raw}": the server URL must not hold a user name or password; use --email and --password`);
  }
  return (url.origin + url.pathname).replace(/\/+$/, "");
}
