import { describe, expect, it } from "vitest";
import { templateJsonSchema } from "./templateSchema.js";

type Schema = { type?: string; properties?: Record<string, Schema>; additionalProperties?: unknown; items?: Schema; description?: string; title?: string };

describe("templateJsonSchema", () => {
  const schema = templateJsonSchema() as Schema & { $schema?: string };

  it("is a JSON Schema object with every top-level key and no others", () => {
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(schema.type).toBe("object");
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(["name", "display_name", "description", "icon", "cost", "parameters", "resources", "agents"]),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(schema.title).toContain("den.yaml");
  });

  it("is strict inside parameters and agents, open for driver settings", () => {
    const parameter = schema.properties!.parameters!.items!;
    expect(parameter.additionalProperties).toBe(false);
    expect(Object.keys(parameter.properties!)).toEqual(expect.arrayContaining(["name", "type", "default", "mutable", "ephemeral", "options", "validation"]));
    const agent = schema.properties!.agents!.additionalProperties as Schema;
    expect(agent.additionalProperties).toBe(false);
    expect(Object.keys(agent.properties!)).toEqual(expect.arrayContaining(["resource", "dir", "env", "scripts", "apps", "metadata"]));
    expect((agent.properties!.apps!.items as Schema).additionalProperties).toBe(false);
    const resource = schema.properties!.resources!.additionalProperties as Schema;
    expect(Object.keys(resource.properties!)).toEqual(["driver", "kind", "lifetime", "depends_on"]);
    expect(resource.additionalProperties).not.toBe(false);
  });

  it("carries help text for editors", () => {
    const resource = schema.properties!.resources!.additionalProperties as Schema;
    expect(resource.properties!.lifetime!.description).toMatch(/persistent/);
    expect(schema.properties!.cost!.description).toBeTruthy();
  });

  it("survives JSON", () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
