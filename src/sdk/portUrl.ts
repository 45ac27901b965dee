/** What names a port of a workspace on its own subdomain. */
export type PortTarget = { owner: string; workspace: string; agent: string; port: number; protocol: "http" | "https" };

/**
 * The URL of a workspace port under the server's wildcard host:
 * `<scheme>//<port>[s]--<agent>--<workspace>--<owner>.<suffix>/`, with the
 * access URL's scheme and `s` after the port when the port speaks HTTPS.
 * Undefined when the server has no wildcard host (`""`) or it is not a
 * `*.` pattern. The names are DNS labels that never contain `--`.
 */
export function portUrl(accessUrl: string, wildcardHost: string, target: PortTarget): string | undefined {
  if (!wildcardHost.startsWith("*.") || wildcardHost.length <= 2) return undefined;
  const scheme = new URL(accessUrl).protocol;
  const first = `${target.port}${target.protocol === "https" ? "s" : ""}`;
  return `${scheme}//${[first, target.agent, target.workspace, target.owner].join("--")}.${wildcardHost.slice(2)}/`;
}
