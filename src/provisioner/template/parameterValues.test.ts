import { describe, expect, it } from "vitest";
import { ParameterSpec } from "../../sdk/schemas/templates.js";
import { typedParameterValues } from "./parameterValues.js";

const specs = [
  ParameterSpec.parse({ name: "name", type: "string", default: "x" }),
  ParameterSpec.parse({ name: "count", type: "number", default: "1" }),
  ParameterSpec.parse({ name: "debug", type: "bool", default: "false" }),
  ParameterSpec.parse({ name: "tags", type: "list(string)", default: "[]" }),
];

describe("typedParameterValues", () => {
  it("converts string forms by type, taking defaults for values not given", () => {
    expect(typedParameterValues(specs, { count: "2.5", debug: "true", tags: '["a","b"]' })).toEqual({ name: "x", count: 2.5, debug: true, tags: ["a", "b"] });
  });

  it("throws on a value that was never validated", () => {
    expect(() => typedParameterValues(specs, { count: "many" })).toThrow('parameter "count": "many" is not a number');
    expect(() => typedParameterValues([ParameterSpec.parse({ name: "r", type: "string" })], {})).toThrow('parameter "r" has no value');
  });
});
