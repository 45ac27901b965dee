import type { IncomingMessage, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

/**
 * What the proxy answers instead of an app: a small self-contained page for
 * browsers (no scripts, no outside resources), plain text for other
 * clients. The reason always fits on one line.
 */
export type AppErrorPage = {
  status: number;
  title: string;
  reason: string;
  detail?: string;
  link?: { href: string; text: string };
  /** Reload every n seconds: the answer is expected to change (the app or workspace is starting). */
  refreshSeconds?: number;
};

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:40rem;margin:12vh auto;padding:2rem;background:#fff;border:1px solid #dfe3ea;border-radius:8px}
h1{font-size:1.3rem;margin:0 0 .5rem}.reason{font-weight:600}.status{color:#687085;font-size:.9rem}a{color:#2357d6}`;

export function renderAppErrorPage(page: AppErrorPage): string {
  const refresh = page.refreshSeconds ? `<meta http-equiv="refresh" content="${page.refreshSeconds}">` : "";
  const detail = page.detail ? `<p>${escapeHtml(page.detail)}</p>` : "";
  const link = page.link ? `<p><a href="${escapeHtml(page.link.href)}">${escapeHtml(page.link.text)}</a></p>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${refresh}
<title>${escapeHtml(page.title)} · Den</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(page.title)}</h1>
<p class="reason">${escapeHtml(page.reason)}</p>${detail}${link}
<p class="status">${page.status} ${escapeHtml(STATUS_CODES[page.status] ?? "")} · Den app proxy</p></main></body></html>
`;
}

/** Answers an HTTP request with the page (HTML when the client accepts it, else one line of text). */
export function sendAppError(req: IncomingMessage, res: ServerResponse, page: AppErrorPage, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const html = (req.headers.accept ?? "").includes("text/html");
  const body = html ? renderAppErrorPage(page) : `${page.reason}\n`;
  res.writeHead(page.status, {
    ...headers,
    "content-type": html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    // The page is ours, shown on the app's origin: it needs nothing but its inline style.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    ...(page.refreshSeconds ? { refresh: String(page.refreshSeconds) } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Answers a refused upgrade on its raw socket, then closes it. */
export function writeAppErrorToSocket(socket: Duplex, page: AppErrorPage, headers: Record<string, string> = {}): void {
  const body = `${page.reason}\n`;
  const lines = [
    `HTTP/1.1 ${page.status} ${STATUS_CODES[page.status] ?? ""}`,
    "Content-Type: text/plain; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (!socket.writable) return void socket.destroy();
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
  socket.once("finish", () => socket.destroy());
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
