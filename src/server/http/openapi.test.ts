import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { buildOpenApiDocument, openApiPath, type OpenApiDocument } from "./openapi.js";
import { defineRoute } from "./route.js";

/** Every "$ref" in the document, with the JSON pointer it names. */
function refsOf(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsOf(n, found));
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") found.push(value);
      else refsOf(value, found);
    }
  }
  return found;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  expect(ref.startsWith("#/")).toBe(true);
  return ref
    .slice(2)
    .split("/")
    .reduce<unknown>((at, part) => (at && typeof at === "object" ? (at as Record<string, unknown>)[part] : undefined), doc);
}

/** The structural rules of OpenAPI 3.1 that a generator can get wrong. */
function expectWellFormed(doc: OpenApiDocument): void {
  expect(doc.openapi).toBe("3.1.0");
  expect(doc.info.title).toBeTruthy();
  expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    expect(path).toMatch(/^\/[^:]*$/);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      expect(["get", "post", "put", "patch", "delete"]).toContain(method);
      expect(operationIds.has(op.operationId), `duplicate operationId ${op.operationId}`).toBe(false);
      operationIds.add(op.operationId);
      expect(op.summary).toBeTruthy();
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      for (const status of Object.keys(op.responses)) expect(status).toMatch(/^([1-5]\d\d|default)$/);
      const pathParams = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      expect(pathParams.sort()).toEqual([...templated].sort());
      for (const p of op.parameters ?? []) if (p.in === "path") expect(p.required).toBe(true);
      for (const s of op.security ?? []) for (const scheme of Object.keys(s)) expect(doc.components.securitySchemes).toHaveProperty(scheme);
    }
  }
  for (const ref of refsOf(doc)) expect(resolvePointer(doc, ref), `dangling $ref ${ref}`).toBeDefined();
  // The document travels as JSON: nothing may be lost on the way.
  expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
}

describe("openapi document of the server", () => {
  let server: TestServer;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    server = await createTestServer();
    const res = await server.app.inject({ method: "GET", url: "/api/v2/openapi.json" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("application/json");
    doc = res.json<OpenApiDocument>();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("is well formed", () => {
    expectWellFormed(doc);
    expect(doc.servers).toEqual([{ url: "/api/v2" }]);
    expect(doc.components.securitySchemes.sessionToken).toMatchObject({ type: "apiKey", in: "header", name: "Den-Session-Token" });
  });

  it("describes every route the server serves", () => {
    expect(server.routes.length).toBeGreaterThan(0);
    for (const route of server.routes) {
      const op = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase() as "get"];
      expect(op, `${route.method} ${route.url} missing from the document`).toBeDefined();
      expect(op!.summary).toBe(route.summary);
      expect(op!.tags).toEqual(route.tags);
      if (route.auth === "user") expect(op!.security).toEqual([{ sessionToken: [] }, { sessionCookie: [] }]);
      else expect(op!.security).toBeUndefined();
      if (route.body) expect(op!.requestBody?.content["application/json"]?.schema).toBeDefined();
    }
    expect(doc.paths["/buildinfo"]?.get?.responses["200"]?.content?.["application/json"]?.schema).toMatchObject({ type: "object" });
    const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(operations).toBe(server.routes.length + 1);
  });
});

describe("buildOpenApiDocument", () => {
  const Tree: z.ZodType<{ name: string; children: unknown[] }> = z.object({
    name: z.string(),
    get children() {
      return z.array(Tree);
    },
  });
  const Name = z.string().min(1).meta({ id: "Name", description: "A name." });
  const routes = [
    defineRoute({
      method: "PUT",
      url: "/things/:thing/parts/:part",
      summary: "Replace a part",
      tags: ["Things"],
      auth: "user",
      params: z.object({ thing: z.uuid(), part: Name }),
      query: z.object({ dry_run: z.coerce.boolean().optional(), limit: z.coerce.number().int().default(10) }),
      body: z.object({ label: Name, size: z.number().int().min(1) }).strict(),
      response: Tree,
      handler: () => undefined,
    }),
    defineRoute({ method: "DELETE", url: "/things/:thing", summary: "Delete a thing", tags: ["Things"], auth: "user", status: 204, handler: () => undefined }),
    defineRoute({ method: "POST", url: "/things", summary: "Make a thing", tags: ["Things"], auth: "none", rawBodyTypes: ["application/x-tar"], body: z.object({ name: z.string() }), handler: () => undefined }),
  ];
  const doc = buildOpenApiDocument(routes, "1.2.3");

  it("is well formed with parameters, shared and recursive schemas", () => {
    expectWellFormed(doc);
    const put = doc.paths["/things/{thing}/parts/{part}"]!.put!;
    expect(put.operationId).toBe("putThingsByThingPartsByPart");
    expect(put.parameters).toEqual([
      { name: "thing", in: "path", required: true, schema: expect.objectContaining({ type: "string", format: "uuid" }) },
      { name: "part", in: "path", required: true, schema: { $ref: "#/components/schemas/Name" } },
      { name: "dry_run", in: "query", required: false, schema: expect.objectContaining({ type: "boolean" }) },
      { name: "limit", in: "query", required: false, schema: expect.objectContaining({ type: "integer", default: 10 }) },
    ]);
    expect(doc.components.schemas.Name).toMatchObject({ type: "string", minLength: 1, description: "A name." });
    expect(put.requestBody?.content["application/json"]?.schema).toMatchObject({
      type: "object",
      properties: { label: { $ref: "#/components/schemas/Name" }, size: { type: "integer", minimum: 1 } },
      required: ["label", "size"],
      additionalProperties: false,
    });
    const tree = put.responses["200"]!.content!["application/json"]!.schema;
    expect(tree).toEqual({ $ref: "#/components/schemas/putThingsByThingPartsByPartResponse" });
    expect(doc.components.schemas.putThingsByThingPartsByPartResponse).toMatchObject({
      properties: { children: { type: "array", items: { $ref: "#/components/schemas/putThingsByThingPartsByPartResponse" } } },
    });
    expect(Object.keys(put.responses).sort()).toEqual(["200", "400", "401", "429", "default"]);
  });

  it("describes empty answers, anonymous routes and raw bodies", () => {
    const del = doc.paths["/things/{thing}"]!.delete!;
    expect(del.parameters).toEqual([{ name: "thing", in: "path", required: true, schema: { type: "string" } }]);
    expect(del.responses["204"]).toEqual({ description: "Done; no content." });
    const post = doc.paths["/things"]!.post!;
    expect(post.security).toBeUndefined();
    expect(post.responses["401"]).toBeUndefined();
    expect(Object.keys(post.requestBody!.content)).toEqual(["application/json", "application/x-tar"]);
  });

  it("refuses two routes with one method and path", () => {
    expect(() => buildOpenApiDocument([...routes, routes[1]!], "1.2.3")).toThrow(/two routes for DELETE \/things\/:thing/);
  });
});
