import { ApiError, NetworkError, type ApiErrorBody } from "../errors.js";

export const SESSION_TOKEN_HEADER = "Den-Session-Token";

export type HttpClientOptions = {
  /** Server URL, e.g. http://127.0.0.1:3000 */
  url: string;
  token?: string;
  /** Dashboard: rely on the session cookie and send the CSRF header. */
  csrfToken?: () => string | undefined;
  fetch?: typeof fetch;
};

export type RequestOptions = {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Send raw bytes with this content type instead of JSON. */
  rawBody?: { data: Uint8Array; contentType: string };
  signal?: AbortSignal;
};

/** The HTTP layer of the typed client: JSON in, JSON out, errors as ApiError. */
export class HttpClient {
  readonly url: string;
  token: string | undefined;
  private readonly opts: HttpClientOptions;

  constructor(opts: HttpClientOptions) {
    this.url = opts.url.replace(/\/+$/, "");
    this.token = opts.token;
    this.opts = opts;
  }

  /** Absolute URL for an API path ("/users/me" → <url>/api/v2/users/me). */
  apiUrl(path: string, query?: RequestOptions["query"]): string {
    const u = new URL(this.url + "/api/v2" + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { accept: "application/json", ...extra };
    if (this.token) h[SESSION_TOKEN_HEADER] = this.token;
    const csrf = this.opts.csrfToken?.();
    if (csrf) h["Den-CSRF-Token"] = csrf;
    return h;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Sends a request and returns the raw answer; non-2xx answers throw ApiError. */
  async send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const url = this.apiUrl(path, opts.query);
    const extra: Record<string, string> = {};
    let body: BodyInit | undefined;
    if (opts.rawBody) {
      extra["content-type"] = opts.rawBody.contentType;
      body = opts.rawBody.data as BodyInit;
    } else if (opts.body !== undefined) {
      extra["content-type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, { method, headers: this.headers(extra), body, signal: opts.signal, credentials: "same-origin" });
    } catch (cause) {
      if ((cause as Error).name === "AbortError") throw cause;
      throw new NetworkError(this.url, cause);
    }
    if (!res.ok) throw new ApiError(res.status, await readErrorBody(res), url);
    return res;
  }
}

async function readErrorBody(res: Response): Promise<ApiErrorBody> {
  const text = await res.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as Partial<ApiErrorBody>;
    if (typeof parsed.message === "string") return parsed as ApiErrorBody;
  } catch {
    // Not JSON: a proxy's error page or similar.
  }
  return { message: `${res.status} ${res.statusText}`.trim(), detail: text.slice(0, 200) || undefined };
}
