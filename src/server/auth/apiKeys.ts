import { createHash, randomInt, timingSafeEqual } from "node:crypto";

const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
export const KEY_ID_LENGTH = 10;
export const KEY_SECRET_LENGTH = 22;

function randomAlphanumeric(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export type GeneratedKey = { id: string; secret: string; token: string; hashedSecret: Buffer };

/** A new key `<id>-<secret>`; only the SHA-256 of the secret is ever stored. */
export function generateApiKey(): GeneratedKey {
  const id = randomAlphanumeric(KEY_ID_LENGTH);
  const secret = randomAlphanumeric(KEY_SECRET_LENGTH);
  return { id, secret, token: `${id}-${secret}`, hashedSecret: hashSecret(secret) };
}

export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

/** Splits `<id>-<secret>`; undefined when the token is not of that form. */
export function parseApiKey(token: string): { id: string; secret: string } | undefined {
  const m = /^([a-zA-Z0-9]{10})-([a-zA-Z0-9]{22})$/.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function secretMatches(secret: string, hashed: Buffer): boolean {
  const candidate = hashSecret(secret);
  return candidate.length === hashed.length && timingSafeEqual(candidate, hashed);
}
