import { HttpClient, type HttpClientOptions } from "./http.js";

/**
 * The typed client of the Den API, used by the CLI and the dashboard.
 * Each resource area has its own class in this folder; add yours here.
 */
export class DenClient {
  readonly http: HttpClient;

  constructor(opts: HttpClientOptions) {
    this.http = new HttpClient(opts);
  }

  get url(): string {
    return this.http.url;
  }
}
