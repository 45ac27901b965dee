import http2, { type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { Duplex } from "node:stream";
import { TUNNEL_SESSION_MEMORY, TUNNEL_WINDOW, tunnelSettings } from "./tunnelSettings.js";

/** Accepts or refuses one stream the server opened; `accept()` sends status 200. */
export type IncomingStream = {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  stream: ServerHttp2Stream;
  accept(): ServerHttp2Stream;
  refuse(status: number, message: string): void;
};

/**
 * The agent's end of the tunnel: an HTTP/2 server over the WebSocket the
 * agent dialled out. Resolves with the session; `onStream` gets every stream.
 */
export function serveTunnel(duplex: Duplex, onStream: (incoming: IncomingStream) => void): Http2Session {
  const server = http2.createServer({ settings: tunnelSettings, maxSessionMemory: TUNNEL_SESSION_MEMORY });
  let session: Http2Session | undefined;
  server.on("session", (s: Http2Session) => {
    session = s;
    s.on("localSettings", () => s.setLocalWindowSize(TUNNEL_WINDOW));
    s.on("error", () => undefined);
  });
  server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on("error", () => undefined);
    const url = new URL(String(headers[":path"] ?? "/"), "http://agent");
    onStream({
      path: url.pathname,
      query: url.searchParams,
      headers,
      stream,
      accept: () => {
        stream.respond({ ":status": 200 });
        return stream;
      },
      refuse: (status, message) => {
        if (stream.headersSent || stream.destroyed) return;
        stream.respond({ ":status": status, "den-error": encodeURIComponent(message) }, { endStream: true });
      },
    });
  });
  server.emit("connection", duplex);
  if (!session) throw new Error("the HTTP/2 session did not start");
  return session;
}
