import type { ClientOptions } from "ws";

/**
 * Options for the WebSockets Den's own programs dial to the server: the
 * agent's tunnel and the CLI's ssh and port-forward relays.
 *
 * Over TLS (wss://) and to a loopback address their frames carry an
 * all-zero masking key. RFC 6455 has clients mask with a random key so that
 * a script in a browser cannot choose the bytes that a proxy which does not
 * understand WebSockets sees on the wire; under TLS no intermediary sees
 * them, and on loopback there is none. Neither the agent nor the CLI runs
 * such scripts either. The frames stay valid, masked frames, but with a zero
 * key ws neither copies and masks every byte on sending (in JavaScript, as
 * the native bufferutil is not installed) nor unmasks them on receiving:
 * measured here, that alone took a bulk transfer from the agent to the
 * server from ~260 MB/s to ~800 MB/s. A plain ws:// connection to another
 * host keeps random keys, as the RFC asks.
 */
export function clientWebSocketOptions(url: string): ClientOptions {
  return { perMessageDeflate: false, ...(maskingIsMoot(url) ? { generateMask: zeroMask } : {}) };
}

/** Whether no intermediary can read the frames: TLS, or a loopback address. */
export function maskingIsMoot(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  if (protocol === "wss:" || protocol === "https:") return true;
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Fills the masking key ws asks for before each frame. */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}
