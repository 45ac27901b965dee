import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AppTokenSigner, type AppTokenPayload } from "./appTokens.js";

const signer = new AppTokenSigner(randomBytes(32));
const now = new Date("2030-01-01T00:00:00Z");
const payload: AppTokenPayload = { typ: "exchange", uid: "6f1c2f9e-8a51-4d8e-9b9a-2f0d3c8b7a11", host: "code--main--dev--alice.den.localhost:3000", exp: now.getTime() / 1000 + 60 };
const expect_ = { typ: "exchange", host: payload.host, now } as const;

describe("AppTokenSigner", () => {
  it("verifies what it signed", () => {
    expect(signer.verify(signer.sign(payload), expect_)).toEqual(payload);
  });

  it("compares hosts without case", () => {
    expect(signer.verify(signer.sign(payload), { ...expect_, host: payload.host.toUpperCase() })).toEqual(payload);
  });

  it("refuses another type, another host, or an expired token", () => {
    const token = signer.sign(payload);
    expect(signer.verify(token, { ...expect_, typ: "app" })).toBeUndefined();
    expect(signer.verify(token, { ...expect_, host: "other--main--dev--alice.den.localhost:3000" })).toBeUndefined();
    expect(signer.verify(token, { ...expect_, now: new Date(payload.exp * 1000) })).toBeUndefined();
  });

  it("refuses a changed payload, a changed or short signature, and another key's token", () => {
    const [body, mac] = signer.sign(payload).split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...payload, uid: "00000000-0000-4000-8000-000000000000" })).toString("base64url");
    expect(signer.verify(`${forged}.${mac}`, expect_)).toBeUndefined();
    expect(signer.verify(`${body}.${mac.slice(0, -1)}A`, expect_)).toBeUndefined();
    expect(signer.verify(`${body}.${mac.slice(0, 10)}`, expect_)).toBeUndefined();
    expect(signer.verify(new AppTokenSigner(randomBytes(32)).sign(payload), expect_)).toBeUndefined();
  });

  it("refuses garbage without throwing", () => {
    for (const token of [undefined, "", ".", "a.b.c", "x".repeat(5000), `${Buffer.from("not json").toString("base64url")}.x`]) {
      expect(signer.verify(token, expect_)).toBeUndefined();
    }
    const notAPayload = Buffer.from(JSON.stringify({ typ: "exchange" })).toString("base64url");
    const sign = (body: string) => `${body}.${(signer as unknown as { mac(b: string): Buffer }).mac(body).toString("base64url")}`;
    expect(signer.verify(sign(notAPayload), expect_)).toBeUndefined();
  });

  it("wants a key of at least 32 bytes", () => {
    expect(() => new AppTokenSigner(randomBytes(16))).toThrow(/32 bytes/);
  });
});
