import { describe, expect, it } from "vitest";
import { cookieDomainsOf, readCookie, readCookies, serializeCookie } from "./cookies.js";

describe("readCookies", () => {
  it("answers every value of the name in the order sent, empty values included", () => {
    const header = "den_session_token=a; theme=dark;den_session_token=; den_session_token = b%20c";
    expect(readCookies(header, "den_session_token")).toEqual(["a", "", "b c"]);
    expect(readCookies(header, "theme")).toEqual(["dark"]);
  });

  it("answers nothing for a missing header or name, and does not match names by prefix or suffix", () => {
    expect(readCookies(undefined, "a")).toEqual([]);
    expect(readCookies("", "a")).toEqual([]);
    expect(readCookies("xa=1; ab=2; a; =3", "a")).toEqual([]);
  });

  it("keeps a value that is not valid percent-encoding as it was", () => {
    expect(readCookies("a=%E0%A4%A", "a")).toEqual(["%E0%A4%A"]);
  });
});

describe("readCookie", () => {
  it("answers the first value, or undefined", () => {
    expect(readCookie("a=1; a=2", "a")).toBe("1");
    expect(readCookie("a=; a=2", "a")).toBe("");
    expect(readCookie("b=1", "a")).toBeUndefined();
  });
});

describe("cookieDomainsOf", () => {
  it("lists the host and each parent domain", () => {
    expect(cookieDomainsOf("den.localhost")).toEqual(["den.localhost", "localhost"]);
    expect(cookieDomainsOf("Den.Example.COM.")).toEqual(["den.example.com", "example.com", "com"]);
    expect(cookieDomainsOf("localhost")).toEqual(["localhost"]);
  });

  it("lists none for IP addresses, which take host-only cookies only", () => {
    expect(cookieDomainsOf("127.0.0.1")).toEqual([]);
    expect(cookieDomainsOf("[::1]")).toEqual([]);
    expect(cookieDomainsOf("::1")).toEqual([]);
    expect(cookieDomainsOf("")).toEqual([]);
  });
});

describe("serializeCookie", () => {
  it("writes host-only cookies without a Domain, and Domain cookies with one", () => {
    expect(serializeCookie("a", "x y", { httpOnly: true, maxAgeSeconds: 60, secure: true })).toBe("a=x%20y; Path=/; SameSite=Lax; Max-Age=60; HttpOnly; Secure");
    expect(serializeCookie("a", "", { domain: "den.localhost", path: "/api", maxAgeSeconds: 0 })).toBe("a=; Domain=den.localhost; Path=/api; SameSite=Lax; Max-Age=0");
  });
});
