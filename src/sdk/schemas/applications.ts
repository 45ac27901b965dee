import { z } from "zod";

/**
 * Where workspace apps and ports are served. `host` is the wildcard host
 * pattern of subdomain apps (`*.den.localhost:3000`), empty when the server
 * has no --wildcard-access-url; a URL is made by putting
 * `<slug>--<agent>--<workspace>--<user>` (or `<port>--…`, `<port>s--…` for an
 * HTTPS port) in place of the `*`, with the access URL's scheme.
 * `path_apps` is false when the server refuses path-based apps
 * (--disable-path-apps).
 */
export const ApplicationsHost = z.object({
  host: z.string(),
  path_apps: z.boolean(),
});
export type ApplicationsHost = z.infer<typeof ApplicationsHost>;

/** Query of GET /applications/auth-redirect: the absolute URL of the app page to return to. */
export const AuthRedirectQuery = z.object({
  redirect_uri: z.string().min(1, "must be the absolute URL of an app or port").max(8192, "must be at most 8192 characters"),
});
export type AuthRedirectQuery = z.infer<typeof AuthRedirectQuery>;
