import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * Signed tokens of the subdomain app sign-in. The API origin issues an
 * `exchange` token (60 s) bound to one app host; the proxy on that host
 * trades it for an `app` token kept in a host-only cookie. Both are
 * `base64url(JSON payload) "." base64url(HMAC-SHA256(payload part))`, so any
 * replica holding the deployment's key checks them without a database row.
 */
export type AppTokenType = "exchange" | "app";

export type AppTokenPayload = {
  typ: AppTokenType;
  /** The user the token speaks for. */
  uid: string;
  /** The app host (with port, as browsers send it in Host) the token is good for. */
  host: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
};

const Payload = z.object({
  typ: z.enum(["exchange", "app"]),
  uid: z.uuid(),
  host: z.string().min(1).max(512),
  exp: z.number().int(),
});

/** Tokens longer than this are refused before any work: no real token comes close. */
const MAX_TOKEN_LENGTH = 2048;

export class AppTokenSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error("the app token signing key must be at least 32 bytes");
  }

  sign(payload: AppTokenPayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${this.mac(body).toString("base64url")}`;
  }

  /**
   * The payload when the token is well-formed, signed with our key, of the
   * expected type, for this host and not expired; undefined otherwise.
   */
  verify(token: string | undefined, expect: { typ: AppTokenType; host: string; now: Date }): AppTokenPayload | undefined {
    if (!token || token.length > MAX_TOKEN_LENGTH) return undefined;
    const dot = token.indexOf(".");
    if (dot <= 0 || dot !== token.lastIndexOf(".")) return undefined;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), "base64url");
    const wanted = this.mac(body);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
    const payload = Payload.safeParse(parsed);
    if (!payload.success) return undefined;
    const p = payload.data;
    if (p.typ !== expect.typ || p.host !== expect.host.toLowerCase()) return undefined;
    if (p.exp * 1000 <= expect.now.getTime()) return undefined;
    return p;
  }

  private mac(body: string): Buffer {
    return createHmac("sha256", this.key).update(body).digest();
  }
}
