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
  const first = `${target.port}${target.protocol === "https" ? "s" : ""}`;
  return subdomainUrl(new URL(accessUrl).protocol, wildcardHost, first, target);
}

/** "*.den.localhost:3000" → "den.localhost:3000"; undefined for "" or anything that is not a `*.` pattern. */
export function wildcardSuffix(wildcardHost: string): string | undefined {
  return wildcardHost.startsWith("*.") && wildcardHost.length > 2 ? wildcardHost.slice(2) : undefined;
}

/**
 * `<scheme>//<first>--<agent>--<workspace>--<owner>.<suffix>/`, where
 * `first` is an app's slug or a port: the host names of subdomain apps and
 * ports (the server parses them in src/server/apps/appHostname.ts).
 */
export function subdomainUrl(scheme: string, wildcardHost: string, first: string, names: Pick<PortTarget, "owner" | "workspace" | "agent">): string | undefined {
  const suffix = wildcardSuffix(wildcardHost);
  return suffix ? `${scheme}//${[first, names.agent, names.workspace, names.owner].join("--")}.${suffix}/` : undefined;
}
