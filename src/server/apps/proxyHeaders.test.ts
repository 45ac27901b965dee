import { describe, expect, it } from "vitest";
import { appRequestHeaders, appResponseHeaders, withoutDenCookies } from "./proxyHeaders.js";

const forwarded = { for: "10.0.0.1", proto: "https", host: "den.example" };

describe("appRequestHeaders", () => {
  it("drops hop-by-hop headers, Den's credentials and made-up forwarding headers, and adds its own", () => {
    const raw = [
      "Host", "den.example",
      "Connection", "keep-alive, X-Private",
      "X-Private", "1",
      "Keep-Alive", "timeout=5",
      "Den-Session-Token", "secret",
      "Den-CSRF-Token", "csrf",
      "X-Forwarded-For", "6.6.6.6",
      "Forwarded", "for=6.6.6.6",
      "Expect", "100-continue",
      "Cookie", "den_session_token=s; theme=dark; den_app_token=a; den_csrf_token=c",
      "Accept", "text/html",
    ];
    expect(appRequestHeaders(raw, { ...forwarded, prefix: "/@a/w/apps/x" }, undefined)).toEqual([
      "Host", "den.example",
      "Cookie", "theme=dark",
      "Accept", "text/html",
      "X-Forwarded-For", "10.0.0.1",
      "X-Forwarded-Proto", "https",
      "X-Forwarded-Host", "den.example",
      "X-Forwarded-Prefix", "/@a/w/apps/x",
    ]);
  });

  it("drops a cookie header left empty, and re-chunks a chunked body", () => {
    const out = appRequestHeaders(["Cookie", "den_session_token=s", "Transfer-Encoding", "chunked"], forwarded, undefined);
    expect(out.slice(0, 2)).toEqual(["Transfer-Encoding", "chunked"]);
    expect(out).not.toContain("Cookie");
  });

  it("keeps an upgrade an upgrade", () => {
    const out = appRequestHeaders(["Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Key", "k"], forwarded, "websocket");
    expect(out.slice(0, 6)).toEqual(["Sec-WebSocket-Key", "k", "Connection", "Upgrade", "Upgrade", "websocket"]);
  });
});

describe("appResponseHeaders", () => {
  it("drops hop-by-hop headers and Set-Cookie for den_ cookies", () => {
    const raw = [
      "Content-Type", "text/html",
      "Transfer-Encoding", "chunked",
      "Connection", "close",
      "Set-Cookie", "den_session_token=evil; Path=/",
      "Set-Cookie", "DEN_APP_TOKEN=evil",
      "Set-Cookie", " den_csrf_token =evil",
      "Set-Cookie", "app=1; Path=/",
    ];
    expect(appResponseHeaders(raw)).toEqual(["Content-Type", "text/html", "Set-Cookie", "app=1; Path=/"]);
  });

  it("keeps Connection and Upgrade of a 101", () => {
    expect(appResponseHeaders(["Connection", "Upgrade", "Upgrade", "websocket"], true)).toEqual(["Connection", "Upgrade", "Upgrade", "websocket"]);
  });
});

describe("withoutDenCookies", () => {
  it("keeps other cookies as they were", () => {
    expect(withoutDenCookies("a=1;den_app_token=x; b=2")).toBe("a=1; b=2");
    expect(withoutDenCookies("den_session_token=x")).toBe("");
  });
});
