import { describe, expect, it } from "vitest";
import { normalizeServerUrl } from "./serverUrl.js";

describe("normalizeServerUrl", () => {
  it.each([
    ["http://127.0.0.1:3000", "http://127.0.0.1:3000"],
    ["http://127.0.0.1:3000/", "http://127.0.0.1:3000"],
    ["  https://den.example.com/  ", "https://den.example.com"],
    ["https://example.com/den/?x=1#top", "https://example.com/den"],
    ["127.0.0.1:3000", "http://127.0.0.1:3000"],
    ["localhost:3000", "http://localhost:3000"],
    ["[::1]:3000", "http://[::1]:3000"],
    ["den.example.com", "https://den.example.com"],
    ["HTTP://Den.Example.COM:8080", "http://den.example.com:8080"],
  ])("turns %j into %j", (raw, url) => {
    expect(normalizeServerUrl(raw)).toBe(url);
  });

  it.each([
    ["ftp://example.com", /scheme must be http or https/],
    ["http://", /is not a server URL/],
    ["http://a b", /is not a server URL/],
    ["https://bob:secret@example.com", /must not hold a user name or password/],
  ])("rejects %j", (raw, message) => {
    expect(() => normalizeServerUrl(raw)).toThrow(message);
  });
});
