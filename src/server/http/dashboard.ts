import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** site/dist of the package: this file is src/server/http/ or, built, dist/server/http/. */
export function defaultDashboardDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "site", "dist");
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** Vite names every file under /assets after its content hash, so it never changes under its name. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Serves the built dashboard (site/dist) at `/`: hashed assets with a
 * one-year cache, other files as they are, and index.html for any other GET
 * that accepts HTML, so that the client-side router can take deep links
 * such as /@alice/dev. /api and /healthz keep their own answers, 404s too.
 */
export function dashboard(opts: { dir?: string } = {}): (app: FastifyInstance) => void {
  const dir = resolve(opts.dir ?? defaultDashboardDir());
  return (app) => {
    app.get("/*", async (req, reply) => {
      let path: string;
      try {
        path = decodeURIComponent(req.url.split("?")[0] ?? "/");
      } catch {
        return notFound(req, reply);
      }
      if (path.startsWith("/api/") || path === "/api" || path === "/healthz") return notFound(req, reply);
      const file = await staticFile(dir, path);
      if (file) {
        return reply
          .header("cache-control", path.startsWith("/assets/") ? IMMUTABLE : "no-cache")
          .header("x-content-type-options", "nosniff")
          .type(TYPES[extname(file)] ?? "application/octet-stream")
          .send(await readFile(file));
      }
      if (path.startsWith("/assets/") || !acceptsHtml(req)) return notFound(req, reply);
      const index = await readFile(join(dir, "index.html")).catch(() => undefined);
      if (!index) {
        return reply
          .status(503)
          .type("text/plain; charset=utf-8")
          .send("The dashboard is not built: run `npm run build` (it builds site/ into site/dist).\n");
      }
      // index.html names the current hashed assets: browsers must check it each time.
      return reply.header("cache-control", "no-cache").type(TYPES[".html"]!).send(index);
    });
  };
}

/** The file under `dir` that `path` names, or undefined; paths that would leave `dir` name nothing. */
async function staticFile(dir: string, path: string): Promise<string | undefined> {
  if (path === "/" || path.includes("\0")) return undefined;
  const file = resolve(dir, "." + path);
  if (!file.startsWith(dir + sep)) return undefined;
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ? file : undefined;
}

function acceptsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? "";
  return accept.includes("text/html") || accept.includes("*/*") || accept === "";
}

function notFound(req: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({ message: `No route for ${req.method} ${req.url.split("?")[0]}.`, code: "NOT_FOUND" });
}
