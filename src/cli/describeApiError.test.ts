import { describe, expect, it } from "vitest";
import { ApiError, type ApiErrorBody } from "../sdk/errors.js";
import { describeApiError } from "./describeApiError.js";

function describeBody(body: ApiErrorBody, status = 400): string {
  return describeApiError(new ApiError(status, body, "http://den.test/api/v2/x"));
}

describe("describeApiError", () => {
  it("prints the message alone when that is all there is", () => {
    expect(describeBody({ message: "User not found." }, 404)).toBe("User not found.");
  });

  it("adds detail and field errors the message does not already hold", () => {
    expect(describeBody({ message: "Invalid request body", validations: [{ field: "email", detail: "must be an email address" }] })).toBe(
      "Invalid request body: email: must be an email address",
    );
    expect(describeBody({ message: "Could not create the user.", detail: "the database is read-only" })).toBe(
      "Could not create the user. the database is read-only",
    );
  });

  it("does not repeat what the message already says", () => {
    expect(
      describeBody({ message: "Invalid lifetime: must be at most 365 days", validations: [{ field: "lifetime", detail: "must be at most 365 days" }] }),
    ).toBe("Invalid lifetime: must be at most 365 days");
    expect(describeBody({ message: "A user with this username already exists.", detail: "username" }, 409)).toBe("A user with this username already exists.");
  });

  it("says how to log in again when the session was refused", () => {
    expect(describeBody({ message: "Your session has expired" }, 401)).toBe("Your session has expired. Run `den login`.");
    const loginFailure = new ApiError(401, { message: "Incorrect email or password." }, "http://den.test/api/v2/users/login");
    expect(describeApiError(loginFailure, { loginHint: false })).toBe("Incorrect email or password.");
  });

  it("keeps a multi-line message on one line", () => {
    expect(describeBody({ message: "first\nsecond" })).toBe("first second");
  });
});
