import { describe, expect, it } from "vitest";
import { sameOriginPath, takeConnectParam } from "./takeConnectParam.js";

describe("takeConnectParam", () => {
  it("takes den_app_connect out and leaves the rest of the query as sent", () => {
    expect(takeConnectParam("/a/b?x=a%20b&den_app_connect=tok.en&y=1+2")).toEqual({ path: "/a/b", query: "?x=a%20b&y=1+2", connect: "tok.en" });
    expect(takeConnectParam("/?den_app_connect=t")).toEqual({ path: "/", query: "", connect: "t" });
  });

  it("finds an encoded name, keeps the first token, and drops every copy", () => {
    expect(takeConnectParam("/?den%5Fapp%5Fconnect=a&den_app_connect=b&k")).toEqual({ path: "/", query: "?k", connect: "a" });
  });

  it("has no token when there is none", () => {
    expect(takeConnectParam("/p?q=1")).toEqual({ path: "/p", query: "?q=1", connect: undefined });
    expect(takeConnectParam("/p")).toEqual({ path: "/p", query: "", connect: undefined });
  });
});

describe("sameOriginPath", () => {
  it("keeps a path on the same origin", () => {
    expect(sameOriginPath("/a?b=c")).toBe("/a?b=c");
    expect(sameOriginPath("//evil.example/x")).toBe("/evil.example/x");
    expect(sameOriginPath("/\\evil.example")).toBe("/evil.example");
    expect(sameOriginPath("\\\\/evil")).toBe("/evil");
  });
});
