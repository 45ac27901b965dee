import http, { type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { writeAppErrorToSocket, type AppErrorPage } from "./appErrorPage.js";
import { appResponseHeaders } from "./proxyHeaders.js";

export type UpgradeRelay = {
  /** The browser's socket, taken over from the HTTP server. */
  client: Duplex;
  /** Bytes the client sent after its request head. */
  head: Buffer;
  /** A connection to the app (a tunnel stream, TLS already set up when the app speaks HTTPS). */
  upstream: Duplex;
  method: string;
  path: string;
  /** The request headers as the app should get them, Upgrade and Connection included. */
  headers: string[];
  /** The page for a failure of the app's side. */
  explain: (err: unknown) => AppErrorPage;
};

/**
 * Relays a WebSocket (or other) upgrade: the request goes through Node's
 * HTTP client so that the app's answer is filtered like any other, then
 * bytes flow both ways untouched. An app that does not switch protocols
 * has its answer passed on, and the connection closes.
 */
export function relayUpgrade(r: UpgradeRelay): void {
  const { client, head } = r;
  const request = http.request({ createConnection: () => r.upstream as never, method: r.method, path: r.path, headers: r.headers });
  request.on("upgrade", (incoming, appSocket, appHead) => {
    client.write(responseHead(incoming, appResponseHeaders(incoming.rawHeaders, true)));
    if (appHead.length > 0) client.write(appHead);
    if (head.length > 0) appSocket.write(head);
    const end = () => {
      client.destroy();
      appSocket.destroy();
    };
    appSocket.on("error", end).on("close", end);
    client.on("error", end).on("close", end);
    appSocket.pipe(client);
    client.pipe(appSocket);
  });
  request.on("response", (incoming) => {
    client.write(responseHead(incoming, [...appResponseHeaders(incoming.rawHeaders), "Connection", "close"]));
    incoming.pipe(client);
    incoming.on("error", () => client.destroy());
  });
  request.on("error", (err) => {
    if (client.writable) writeAppErrorToSocket(client, r.explain(err));
    else client.destroy();
  });
  client.once("close", () => request.destroy());
  request.end();
}

function responseHead(incoming: IncomingMessage, headers: string[]): string {
  const lines = [`HTTP/1.1 ${incoming.statusCode ?? 502} ${incoming.statusMessage ?? ""}`];
  for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}
