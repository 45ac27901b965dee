import { CliError } from "./errors.js";

/** A local listener forwarded to a port on the other side: `[bind:]LOCAL:REMOTE`. */
export type PortForwardSpec = { bind: string; localPort: number; remotePort: number };

/** `ssh -L [bind:]LPORT:HOST:RPORT`. */
export type LocalForwardSpec = { bind: string; localPort: number; host: string; remotePort: number };

/** `ssh -R RPORT:HOST:LPORT`: the workspace's RPORT reaches HOST:LPORT on this machine. */
export type RemoteForwardSpec = { remotePort: number; host: string; localPort: number };

const DEFAULT_BIND = "127.0.0.1";

/** `--tcp 8080:80` or `--tcp 0.0.0.0:8080:80` (an IPv6 bind address goes in brackets: `[::1]:8080:80`). */
export function parsePortForwardSpec(flag: string, text: string): PortForwardSpec {
  const parts = splitHostParts(text);
  if (parts.length !== 2 && parts.length !== 3) throw new CliError(`${flag} "${text}": use [BIND:]LOCAL:REMOTE, e.g. 8080:80`);
  const [bind, local, remote] = parts.length === 3 ? parts : [DEFAULT_BIND, parts[0]!, parts[1]!];
  return { bind: bind || DEFAULT_BIND, localPort: port(flag, text, local!), remotePort: port(flag, text, remote!) };
}

export function parseLocalForwardSpec(text: string): LocalForwardSpec {
  const parts = splitHostParts(text);
  if (parts.length !== 3 && parts.length !== 4) throw new CliError(`-L "${text}": use [BIND:]LPORT:HOST:RPORT, e.g. 8080:localhost:80`);
  const [bind, local, host, remote] = parts.length === 4 ? parts : [DEFAULT_BIND, parts[0]!, parts[1]!, parts[2]!];
  if (!host) throw new CliError(`-L "${text}": the host is empty`);
  return { bind: bind || DEFAULT_BIND, localPort: port("-L", text, local!), host: host!, remotePort: port("-L", text, remote!) };
}

export function parseRemoteForwardSpec(text: string): RemoteForwardSpec {
  const parts = splitHostParts(text);
  if (parts.length !== 3) throw new CliError(`-R "${text}": use RPORT:HOST:LPORT, e.g. 9000:localhost:3000`);
  const [remote, host, local] = parts as [string, string, string];
  if (!host) throw new CliError(`-R "${text}": the host is empty`);
  return { remotePort: port("-R", text, remote), host, localPort: port("-R", text, local) };
}

/** Splits on colons, keeping `[v6:addr]` whole (without its brackets). */
function splitHostParts(text: string): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > 0 || parts.length === 0) {
    if (rest.startsWith("[")) {
      const close = rest.indexOf("]");
      if (close < 0) throw new CliError(`"${text}": an address that starts with [ must end with ]`);
      parts.push(rest.slice(1, close));
      rest = rest.slice(close + 1);
      if (rest.startsWith(":")) rest = rest.slice(1);
      else if (rest !== "") throw new CliError(`"${text}": expected ":" after "]"`);
      continue;
    }
    const colon = rest.indexOf(":");
    if (colon < 0) {
      parts.push(rest);
      break;
    }
    parts.push(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
    if (rest === "") parts.push("");
  }
  return parts;
}

function port(flag: string, text: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new CliError(`${flag} "${text}": "${value}" is not a port (1 to 65535)`);
  return n;
}
