import { z } from "zod";
import { ApiErrorBody } from "../../sdk/errors.js";
import { BuildInfo } from "../../sdk/schemas/users.js";
import { API_PREFIX } from "./app.js";
import { defineRoute, type HttpMethod, type RouteSpec } from "./route.js";

type JsonSchema = Record<string, unknown>;

type Parameter = { name: string; in: "path" | "query"; required: boolean; description?: string; schema: JsonSchema };

type Operation = {
  operationId: string;
  summary: string;
  tags: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
};

export type OpenApiDocument = {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  paths: Record<string, Partial<Record<Lowercase<HttpMethod>, Operation>>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
};

/** The routes app.ts serves itself, outside the RouteSpec list. */
const builtInRoutes: RouteSpec[] = [
  defineRoute({ method: "GET", url: "/buildinfo", summary: "Version and commit of this server", tags: ["General"], auth: "none", response: BuildInfo, handler: () => undefined }),
];

/**
 * Builds the OpenAPI 3.1 document from the same zod schemas that validate the
 * requests, so the document cannot drift from what the server accepts.
 * Request parts are described as the client sends them (zod's input side),
 * answers as the server sends them (the output side).
 */
export function buildOpenApiDocument(routes: RouteSpec[], version: string): OpenApiDocument {
  const components: Record<string, JsonSchema> = { Error: toSchema(ApiErrorBody, "output", "Error", {}) };
  const doc: OpenApiDocument = {
    openapi: "3.1.0",
    info: { title: "Den API", version, description: "REST API of Den, a self-hosted platform for cloud development environments." },
    servers: [{ url: API_PREFIX }],
    paths: {},
    components: {
      schemas: components,
      securitySchemes: {
        sessionToken: { type: "apiKey", in: "header", name: "Den-Session-Token", description: "A session token from POST /users/login or an API token." },
        sessionCookie: { type: "apiKey", in: "cookie", name: "den_session_token", description: "Set by login in the browser; state-changing requests also need the Den-CSRF-Token header." },
      },
    },
  };
  for (const route of [...builtInRoutes, ...routes]) {
    const path = openApiPath(route.url);
    const method = route.method.toLowerCase() as Lowercase<HttpMethod>;
    const item = (doc.paths[path] ??= {});
    if (item[method]) throw new Error(`two routes for ${route.method} ${route.url}`);
    item[method] = describeOperation(route, components);
  }
  return doc;
}

/** Fastify's "/users/:user" is OpenAPI's "/users/{user}". */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, "{$1}");
}

function describeOperation(route: RouteSpec, components: Record<string, JsonSchema>): Operation {
  const operationId = operationIdOf(route);
  const op: Operation = { operationId, summary: route.summary, tags: route.tags, responses: {} };
  if (route.auth === "user") op.security = [{ sessionToken: [] }, { sessionCookie: [] }];

  const parameters = [...pathParameters(route, operationId, components), ...objectParameters(route.query, "query", `${operationId}Query`, components)];
  if (parameters.length > 0) op.parameters = parameters;

  if (route.body) {
    const content: Record<string, { schema: JsonSchema }> = { "application/json": { schema: toSchema(route.body, "input", `${operationId}Body`, components) } };
    for (const type of route.rawBodyTypes ?? []) content[type] = { schema: { type: "string", contentEncoding: "binary" } };
    op.requestBody = { required: true, content };
  }

  const status = route.status ?? (route.method === "POST" ? 201 : 200);
  op.responses[String(status)] =
    route.response && status !== 204
      ? { description: "Success.", content: { "application/json": { schema: toSchema(route.response, "output", `${operationId}Response`, components) } } }
      : { description: status === 204 ? "Done; no content." : "Success." };
  if (route.body || route.query || route.params) op.responses["400"] = errorResponse("Invalid input; `validations` names each bad field.");
  if (route.auth === "user") op.responses["401"] = errorResponse("Missing, invalid or expired session token.");
  op.responses["429"] = errorResponse("Rate limited; see the Retry-After header.");
  op.responses.default = errorResponse("Error.");
  return op;
}

function errorResponse(description: string) {
  return { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
}

function operationIdOf(route: RouteSpec): string {
  const words = route.url
    .split("/")
    .filter(Boolean)
    .map((part) => (part.startsWith(":") ? `by-${part.slice(1).replace(/\(.*$/, "")}` : part));
  const camel = [route.method.toLowerCase(), ...words.flatMap((w) => w.split(/[^A-Za-z0-9]+/))]
    .filter(Boolean)
    .map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1)))
    .join("");
  return camel;
}

/** Every `:name` of the URL is a required path parameter; its schema comes from `params` when given. */
function pathParameters(route: RouteSpec, operationId: string, components: Record<string, JsonSchema>): Parameter[] {
  const names = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const described = objectParameters(route.params, "path", `${operationId}Params`, components);
  return names.map((name) => described.find((p) => p.name === name) ?? { name, in: "path", required: true, schema: { type: "string" } });
}

/** An object schema of query or path values becomes one parameter per property. */
function objectParameters(schema: z.ZodType | undefined, where: "path" | "query", name: string, components: Record<string, JsonSchema>): Parameter[] {
  if (!schema) return [];
  const json = toSchema(schema, "input", name, components);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([prop, propSchema]) => {
    const { description, ...rest } = propSchema;
    const param: Parameter = { name: prop, in: where, required: where === "path" || required.has(prop), schema: rest };
    if (typeof description === "string") param.description = description;
    return param;
  });
}

/**
 * zod's JSON Schema for one part, made to stand inside the document: shared
 * definitions ($defs, from `.meta({ id })`) move to components.schemas, and a
 * recursive schema is itself stored there under `name` so that "#" still
 * points at it.
 */
function toSchema(schema: z.ZodType, io: "input" | "output", name: string, components: Record<string, JsonSchema>): JsonSchema {
  const { $schema: _dialect, $defs, ...json } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  let selfReferenced = false;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== "object") return node;
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") {
        if (value === "#") selfReferenced = true;
        out.$ref = value === "#" ? `#/components/schemas/${name}` : value.replace(/^#\/\$defs\//, "#/components/schemas/");
      } else {
        out[key] = rewrite(value);
      }
    }
    return out;
  };
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
    const moved = rewrite(def) as JsonSchema;
    if (components[id] && JSON.stringify(components[id]) !== JSON.stringify(moved)) throw new Error(`two different schemas use the id ${JSON.stringify(id)}`);
    components[id] = moved;
  }
  const body = rewrite(json) as JsonSchema;
  if (!selfReferenced) return body;
  components[name] = body;
  return { $ref: `#/components/schemas/${name}` };
}

/**
 * GET /api/v2/openapi.json. The document is built on the first request, when
 * every route has been registered, and then kept.
 */
export function openApiRoute(routes: RouteSpec[], version: string): RouteSpec {
  let doc: OpenApiDocument | undefined;
  return defineRoute({
    method: "GET",
    url: "/openapi.json",
    summary: "This OpenAPI document",
    tags: ["General"],
    auth: "none",
    handler: () => (doc ??= buildOpenApiDocument(routes, version)),
  });
}
