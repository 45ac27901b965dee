import { describe, expect, it } from "vitest";
import { formatTemplateError, ParameterSpec, parseParameterValue, validateParameterValues, type ParameterTransition } from "./templates.js";

const spec = (fields: Partial<ParameterSpec> & Pick<ParameterSpec, "name">): ParameterSpec => ParameterSpec.parse({ type: "string", ...fields });

const specs: ParameterSpec[] = [
  spec({ name: "region", default: "eu", options: [{ name: "Europe", value: "eu" }, { name: "US", value: "us" }] }),
  spec({ name: "cpus", type: "number", default: "2", mutable: true, validation: { min: 1, max: 8 } }),
  spec({ name: "disk", type: "number", default: "10", mutable: true, validation: { min: 10, monotonic: "increasing" } }),
  spec({ name: "user", mutable: true, validation: { regex: "^[a-z]+$", error: "{value} is not lower case" } }),
  spec({ name: "debug", type: "bool", default: "false", mutable: true }),
  spec({ name: "tags", type: "list(string)", default: "[]", mutable: true, options: [{ name: "A", value: "a" }, { name: "B", value: "b" }] }),
  spec({ name: "once", default: "no", mutable: true, ephemeral: true }),
];

type Case = {
  name: string;
  values: Record<string, string>;
  transition?: ParameterTransition;
  previous?: Record<string, string>;
  errors?: { field: string; detail: string }[];
  result?: Record<string, string>;
};

const created = { region: "eu", cpus: "2", disk: "10", user: "ann", debug: "false", tags: "[]", once: "yes" };

describe("validateParameterValues", () => {
  const cases: Case[] = [
    {
      name: "fills defaults on create and canonicalises values",
      values: { user: "ann", cpus: "4.0", tags: '[ "a" ]' },
      result: { region: "eu", cpus: "4", disk: "10", user: "ann", debug: "false", tags: '["a"]', once: "no" },
    },
    { name: "missing required", values: {}, errors: [{ field: "parameter.user", detail: 'parameter "user" is required' }] },
    {
      name: "unknown parameter",
      values: { user: "ann", colour: "red" },
      errors: [{ field: "parameter.colour", detail: expect.stringContaining('unknown parameter "colour"') }],
    },
    { name: "not a number", values: { user: "ann", cpus: "abc" }, errors: [{ field: "parameter.cpus", detail: '"abc" is not a number' }] },
    { name: "out of range", values: { user: "ann", cpus: "16" }, errors: [{ field: "parameter.cpus", detail: "must be between 1 and 8 (got 16)" }] },
    { name: "below minimum", values: { user: "ann", disk: "5" }, errors: [{ field: "parameter.disk", detail: "must be at least 10 (got 5)" }] },
    { name: "regex with the template's text", values: { user: "Ann" }, errors: [{ field: "parameter.user", detail: "Ann is not lower case" }] },
    { name: "not one of the options", values: { user: "ann", region: "mars" }, errors: [{ field: "parameter.region", detail: '"mars" is not one of the options: "eu", "us"' }] },
    { name: "list item not an option", values: { user: "ann", tags: '["a","z"]' }, errors: [{ field: "parameter.tags", detail: expect.stringContaining('"z" is not one of') }] },
    { name: "list not JSON", values: { user: "ann", tags: "a,b" }, errors: [{ field: "parameter.tags", detail: expect.stringContaining("JSON array of strings") }] },
    { name: "bool spelled otherwise", values: { user: "ann", debug: "yes" }, errors: [{ field: "parameter.debug", detail: expect.stringContaining('use "true" or "false"') }] },
    {
      name: "immutable parameter changed after creation",
      transition: "update",
      previous: created,
      values: { region: "us" },
      errors: [{ field: "parameter.region", detail: 'parameter "region" is immutable and cannot change after the workspace was created (it is "eu")' }],
    },
    {
      name: "immutable parameter given again unchanged, mutable ones changed",
      transition: "start",
      previous: created,
      values: { region: "eu", cpus: "3", debug: "true" },
      result: { region: "eu", cpus: "3", disk: "10", user: "ann", debug: "true", tags: "[]", once: "no" },
    },
    {
      name: "previous values kept; ephemeral falls back to its default",
      transition: "start",
      previous: { ...created, user: "bob", disk: "20" },
      values: {},
      result: { region: "eu", cpus: "2", disk: "20", user: "bob", debug: "false", tags: "[]", once: "no" },
    },
    {
      name: "monotonic parameter may not decrease",
      transition: "update",
      previous: { ...created, disk: "20" },
      values: { disk: "15" },
      errors: [{ field: "parameter.disk", detail: 'parameter "disk" may only increase (it is 20)' }],
    },
    {
      name: "create ignores previous values",
      transition: "create",
      previous: { ...created, region: "us" },
      values: { user: "ann", region: "eu" },
      result: { region: "eu", cpus: "2", disk: "10", user: "ann", debug: "false", tags: "[]", once: "no" },
    },
    {
      name: "every problem at once",
      values: { cpus: "0", region: "x", extra: "1" },
      errors: [
        { field: "parameter.extra", detail: expect.stringContaining("unknown parameter") },
        { field: "parameter.region", detail: expect.stringContaining("not one of the options") },
        { field: "parameter.cpus", detail: "must be between 1 and 8 (got 0)" },
        { field: "parameter.user", detail: 'parameter "user" is required' },
      ],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const result = validateParameterValues(specs, c.values, { transition: c.transition ?? "create", previous: c.previous });
      if (c.errors) expect(result).toEqual({ ok: false, errors: c.errors });
      else expect(result).toEqual({ ok: true, values: c.result });
    });
  }
});

describe("parseParameterValue", () => {
  const cases: [ParameterSpec["type"], string, unknown][] = [
    ["string", "  x ", "  x "],
    ["number", "-1.5", -1.5],
    ["number", "1e3", 1000],
    ["number", "", undefined],
    ["number", "0x10", undefined],
    ["number", "1e999", undefined],
    ["bool", "true", true],
    ["bool", "True", undefined],
    ["list(string)", '["a"]', ["a"]],
    ["list(string)", "[1]", undefined],
    ["list(string)", '{"a":1}', undefined],
  ];
  for (const [type, raw, expected] of cases) {
    it(`${type} ${JSON.stringify(raw)}`, () => {
      const parsed = parseParameterValue(type, raw);
      expect(parsed.ok ? parsed.value : undefined).toEqual(expected);
    });
  }

  it("refuses oversize values", () => {
    expect(parseParameterValue("string", "x".repeat(10_001)).ok).toBe(false);
  });
});

describe("ParameterSpec", () => {
  it("is strict and fills defaults", () => {
    expect(ParameterSpec.parse({ name: "a", type: "string" })).toEqual({ name: "a", type: "string", mutable: false, ephemeral: false, options: [] });
    expect(ParameterSpec.safeParse({ name: "a", type: "string", extra: 1 }).success).toBe(false);
    expect(ParameterSpec.safeParse({ name: "a", type: "map" }).success).toBe(false);
  });

  it("formats template errors like a compiler", () => {
    expect(formatTemplateError({ file: "den.yaml", line: 3, column: 7, message: "bad" })).toBe("den.yaml:3:7: bad");
  });
});
