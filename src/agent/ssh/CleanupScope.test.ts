import { describe, expect, it } from "vitest";
import { CleanupScope } from "./CleanupScope.js";

describe("CleanupScope", () => {
  it("runs each registered cleanup once on close, except those removed, even when one throws", () => {
    const scope = new CleanupScope();
    const ran: string[] = [];
    const errors: unknown[] = [];
    scope.add(() => ran.push("a"));
    const removeB = scope.add(() => ran.push("b"));
    scope.add(() => {
      throw new Error("c failed");
    });
    scope.add(() => ran.push("d"));
    removeB();
    scope.close((err) => errors.push(err));
    scope.close((err) => errors.push(err));
    expect(ran).toEqual(["a", "d"]);
    expect(errors).toMatchObject([{ message: "c failed" }]);
    expect(scope.closed).toBe(true);
  });

  it("runs a cleanup added after close at once", () => {
    const scope = new CleanupScope();
    scope.close(() => undefined);
    let ran = false;
    scope.add(() => (ran = true));
    expect(ran).toBe(true);
  });
});
