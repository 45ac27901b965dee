import { NameLabel } from "../../sdk/schemas/common.js";

/**
 * Hostnames of subdomain apps and ports under the wildcard host of
 * --wildcard-access-url: `<slug>--<agent>--<workspace>--<user>.<suffix>` for
 * an app, `<port>--…` for a port (`<port>s--…` when the port speaks HTTPS).
 * Names never contain "--" (see NameLabel), so the four parts are
 * unambiguous. A first part of digits is a port: apps whose slug is a number
 * are reached by path only.
 */

/** The parsed --wildcard-access-url: what app hostnames end with, and the port URLs carry (may be empty). */
export type WildcardHost = { suffix: string; port: string };

export type AppHostTarget =
  | { kind: "app"; slug: string; agent: string; workspace: string; user: string }
  | { kind: "port"; port: number; https: boolean; agent: string; workspace: string; user: string };

/** `other`: not an app hostname at all; `invalid`: under the wildcard but malformed. */
export type HostMatch = { kind: "other" } | { kind: "invalid"; reason: string } | { kind: "target"; target: AppHostTarget };

const PORT_PART = /^(\d+)(s?)$/;

function isName(value: string): boolean {
  return NameLabel.safeParse(value).success;
}

/** `*.den.localhost:3000` → suffix `.den.localhost`, port `3000`; undefined for an empty option. */
export function parseWildcardHost(pattern: string): WildcardHost | undefined {
  const m = /^\*(\.[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(pattern.trim().toLowerCase());
  if (!m) return undefined;
  return { suffix: m[1]!, port: m[2] ?? "" };
}

/** The host (with port, as in a URL) that serves `target`. */
export function appHost(target: AppHostTarget, wildcard: WildcardHost): string {
  const first = target.kind === "app" ? target.slug : `${target.port}${target.https ? "s" : ""}`;
  return `${first}--${target.agent}--${target.workspace}--${target.user}${wildcard.suffix}${wildcard.port ? `:${wildcard.port}` : ""}`;
}

/** The host name of a Host header, lower case, without its port; undefined for IPv6 literals and empty hosts. */
export function hostName(host: string | undefined): string | undefined {
  if (!host || host.startsWith("[")) return undefined;
  const colon = host.indexOf(":");
  return (colon < 0 ? host : host.slice(0, colon)).toLowerCase();
}

/**
 * What a Host header names. `excludedHost` (the access URL's host name) is
 * never an app host, even when it falls under the wildcard.
 */
export function matchAppHost(host: string | undefined, wildcard: WildcardHost | undefined, excludedHost?: string): HostMatch {
  if (!wildcard) return { kind: "other" };
  const name = hostName(host);
  if (!name || !name.endsWith(wildcard.suffix) || name === excludedHost) return { kind: "other" };
  const label = name.slice(0, -wildcard.suffix.length);
  if (label === "") return { kind: "other" };
  if (label.includes(".")) return { kind: "invalid", reason: `"${name}" has more than one label before ${wildcard.suffix.slice(1)}` };
  const parts = label.split("--");
  if (parts.length !== 4) {
    return { kind: "invalid", reason: `"${label}" must have four parts separated by "--": <app or port>--<agent>--<workspace>--<user>` };
  }
  const [first, agent, workspace, user] = parts as [string, string, string, string];
  for (const [what, value] of [["agent", agent], ["workspace", workspace], ["user", user]] as const) {
    if (!isName(value)) return { kind: "invalid", reason: `"${value}" is not a valid ${what} name` };
  }
  const port = PORT_PART.exec(first);
  if (port) {
    const digits = port[1]!;
    const n = Number(digits);
    if (!/^[1-9]\d{0,4}$/.test(digits) || n > 65535) return { kind: "invalid", reason: `port "${digits}" must be a number from 1 to 65535 without leading zeros` };
    return { kind: "target", target: { kind: "port", port: n, https: port[2] === "s", agent, workspace, user } };
  }
  if (!isName(first)) return { kind: "invalid", reason: `"${first}" is not a valid app slug or port` };
  return { kind: "target", target: { kind: "app", slug: first, agent, workspace, user } };
}
