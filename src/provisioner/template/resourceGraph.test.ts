import { describe, expect, it } from "vitest";
import { resolveDependencies, resourceOrder, type ResourceReference } from "./resourceGraph.js";
import type { ResourceDecl } from "./TemplateSpec.js";

const at = (line: number) => ({ file: "den.yaml", line, column: 1 });
const ref = (from: string, to: string, line: number): ResourceReference => ({ from, to, position: at(line) });
const decl = (depends_on: string[]): ResourceDecl => ({ driver: "process", kind: "directory", lifetime: "persistent", settings: {}, depends_on });

describe("resolveDependencies", () => {
  it("turns references into sorted, unique dependencies", () => {
    const result = resolveDependencies(["net", "home", "box"], [ref("box", "home", 3), ref("box", "net", 4), ref("box", "home", 5)]);
    expect(result).toEqual({ dependsOn: { net: [], home: [], box: ["net", "home"] }, errors: [] });
  });

  it("reports unknown resources and self references where they are written", () => {
    const result = resolveDependencies(["box"], [ref("box", "ghost", 7), ref("box", "box", 9)]);
    expect(result.errors).toEqual([
      { ...at(7), message: 'unknown resource "ghost": the template declares "box"' },
      { ...at(9), message: 'resource "box" refers to itself' },
    ]);
  });

  it("names every resource of a cycle, at the reference that closes it", () => {
    const result = resolveDependencies(["a", "b", "c", "d"], [ref("a", "b", 1), ref("b", "c", 2), ref("c", "a", 3), ref("d", "a", 4)]);
    expect(result.errors).toEqual([{ ...at(3), message: "dependency cycle: a → b → c → a" }]);
  });

  it("finds two separate cycles", () => {
    const result = resolveDependencies(["a", "b", "c", "d"], [ref("a", "b", 1), ref("b", "a", 2), ref("c", "d", 3), ref("d", "c", 4)]);
    expect(result.errors.map((e) => e.message)).toEqual(["dependency cycle: a → b → a", "dependency cycle: c → d → c"]);
  });
});

describe("resourceOrder", () => {
  it("puts dependencies first and otherwise keeps declaration order", () => {
    const resources = { box: decl(["home", "net"]), home: decl([]), app: decl(["box"]), net: decl([]), logs: decl([]) };
    expect(resourceOrder({ resources })).toEqual(["home", "net", "box", "app", "logs"]);
  });

  it("handles a diamond", () => {
    const resources = { top: decl(["left", "right"]), left: decl(["base"]), right: decl(["base"]), base: decl([]) };
    const order = resourceOrder({ resources });
    expect(order).toEqual(["base", "left", "right", "top"]);
  });

  it("throws on a cycle, which a parsed template never has", () => {
    expect(() => resourceOrder({ resources: { a: decl(["b"]), b: decl(["a"]) } })).toThrow(/cycle: a, b/);
  });
});
