import { describe, expect, it } from "vitest";
import type { ApiKey } from "../../sdk/schemas/users.js";
import { CliError } from "../errors.js";
import { findToken } from "./tokens.js";

function key(id: string, token_name: string): ApiKey {
  const t = "2025-01-01T00:00:00.000Z";
  return { id, token_name, user_id: "00000000-0000-4000-8000-000000000000", login_type: "token", created_at: t, expires_at: t, last_used: null };
}

describe("findToken", () => {
  const keys = [key("aaaaaaaaaa", "ci"), key("bbbbbbbbbb", "deploy"), key("cccccccccc", "dup"), key("dddddddddd", "dup"), key("eeeeeeeeee", "aaaaaaaaaa")];

  it("finds a token by name", () => {
    expect(findToken(keys, "deploy").id).toBe("bbbbbbbbbb");
  });

  it("finds a token by id, before a token named like that id", () => {
    expect(findToken(keys, "aaaaaaaaaa").token_name).toBe("ci");
  });

  it("refuses a name that several tokens share, listing their ids", () => {
    expect(() => findToken(keys, "dup")).toThrow(CliError);
    expect(() => findToken(keys, "dup")).toThrow(/2 tokens are named "dup".*cccccccccc, dddddddddd/);
  });

  it("says when nothing matches", () => {
    expect(() => findToken(keys, "nope")).toThrow(/no token named "nope"/);
  });
});
