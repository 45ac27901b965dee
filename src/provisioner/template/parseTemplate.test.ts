import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluateValue, ExpressionError } from "./expressions.js";
import { parseTemplate, positionOf, type TemplateSpec } from "./parseTemplate.js";
import { resourceOrder } from "./resourceGraph.js";

const lines = (...text: string[]) => `${text.join("\n")}\n`;

const RESOURCES = [
  "resources:",
  "  home:",
  "    driver: process",
  "    kind: directory",
  "    lifetime: persistent",
  "  box:",
  "    driver: process",
  "    kind: process",
  "    lifetime: ephemeral",
];

function parseOk(text: string): TemplateSpec {
  const result = parseTemplate({ "den.yaml": text });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.column}: ${e.message}`).join("\n"));
  return result.template;
}

function errorsOf(text: string): string[] {
  const result = parseTemplate({ "den.yaml": text });
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`);
}

describe("parseTemplate errors", () => {
  const cases: { name: string; text: string; errors: string[] }[] = [
    { name: "broken YAML", text: lines("resources:", "  home: [1, 2", "agents: {}"), errors: ["den.yaml:3:1: invalid YAML: Flow sequence"] },
    { name: "duplicate YAML key", text: lines("cost: 1", "cost: 2"), errors: ["den.yaml:2:1: invalid YAML: Map keys must be unique"] },
    { name: "unknown YAML tag", text: lines("cost: !weird 1"), errors: ["den.yaml:1:7: invalid YAML: Unresolved tag: !weird"] },
    { name: "several YAML documents", text: lines("cost: 1", "---", "cost: 2"), errors: ['den.yaml:2:1: den.yaml must hold one YAML document: remove the "---" separator'] },
    { name: "alias bomb", text: lines("a: &a [x,x,x,x,x,x,x,x]", "b: &b [*a,*a,*a,*a,*a,*a,*a,*a]", "c: &c [*b,*b,*b,*b,*b,*b,*b,*b]", "d: [*c,*c,*c,*c,*c,*c,*c,*c]"), errors: ["den.yaml:1:1: invalid YAML: Excessive alias count"] },
    { name: "not a mapping", text: lines("- a"), errors: ["den.yaml:1:1: den.yaml must be a mapping"] },
    { name: "empty file", text: "", errors: ["den.yaml:1:1: den.yaml is empty"] },
    {
      name: "unknown top-level key with a suggestion",
      text: lines("descripton: x", ...RESOURCES),
      errors: ['den.yaml:1:1: unknown key "descripton": did you mean "description"?'],
    },
    {
      name: "unknown agent key",
      text: lines(...RESOURCES, "agents:", "  main:", "    resource: box", "    colour: red"),
      errors: ['den.yaml:13:5: agents.main: unknown key "colour": allowed keys are resource, dir, env'],
    },
    { name: "wrong type", text: lines("cost: lots", ...RESOURCES), errors: ['den.yaml:1:7: cost: must be a number, not "lots"'] },
    {
      name: "bad enum value",
      text: lines("resources:", "  home:", "    driver: process", "    kind: directory", "    lifetime: forever"),
      errors: ['den.yaml:5:15: resources.home.lifetime: must be one of persistent, ephemeral, not "forever"'],
    },
    {
      name: "missing required key",
      text: lines("resources:", "  home:", "    kind: directory", "    lifetime: persistent"),
      errors: ['den.yaml:3:5: resources.home: missing required key "driver"'],
    },
    {
      name: "missing lifetime",
      text: lines("resources:", "  home:", "    driver: process", "    kind: directory"),
      errors: ['den.yaml:3:5: resources.home: missing required key "lifetime"'],
    },
    { name: "template name not a DNS label", text: lines("name: My_Template", ...RESOURCES), errors: ["den.yaml:1:7: name: must be lower-case letters, digits and inner dashes"] },
    {
      name: "resource name not a DNS label",
      text: lines("resources:", "  Home_Dir:", "    driver: process", "    kind: directory", "    lifetime: persistent"),
      errors: ['den.yaml:2:3: resource name "Home_Dir" must be lower-case letters'],
    },
    {
      name: "bad expression syntax",
      text: lines(...RESOURCES, '    command: ["sh", "-c", "echo ${{ params.greeting + }}"]'),
      errors: ["den.yaml:10:55: bad expression: expression ends too early"],
    },
    {
      name: "unclosed expression",
      text: lines(...RESOURCES, '    dir: "${{ resources.home.path"'),
      errors: ["den.yaml:10:11: bad expression: expression is not closed: missing }}"],
    },
    {
      name: "unknown parameter",
      text: lines(...RESOURCES, '    env: {A: "${{ params.nope }}"}'),
      errors: ['den.yaml:10:26: unknown parameter "nope": the template declares no parameters'],
    },
    {
      name: "reference to a missing resource",
      text: lines(...RESOURCES, '    dir: "${{ resources.ghost.path }}"'),
      errors: ['den.yaml:10:25: unknown resource "ghost": the template declares "home", "box"'],
    },
    {
      name: "reference in a block scalar",
      text: lines(...RESOURCES, "    script: |", "      echo hi", "      cd ${{ resources.nowhere.path }}"),
      errors: ['den.yaml:12:24: unknown resource "nowhere"'],
    },
    {
      name: "unknown name in an expression",
      text: lines(...RESOURCES, '    dir: "${{ env.HOME }}"'),
      errors: ['den.yaml:10:15: bad expression: unknown name "env"'],
    },
    {
      name: "prototype access is an unknown parameter",
      text: lines(...RESOURCES, '    dir: "${{ params.constructor }}"'),
      errors: ['den.yaml:10:22: unknown parameter "constructor"'],
    },
    {
      name: "expression outside resources and agents",
      text: lines('display_name: "${{ owner.username }}"', ...RESOURCES),
      errors: ['den.yaml:1:16: expressions are only evaluated in resources and agents; "display_name"'],
    },
    {
      name: "cycle",
      text: lines(
        "resources:",
        "  a:",
        "    driver: process",
        "    kind: directory",
        "    lifetime: persistent",
        "    x: ${{ resources.b.path }}",
        "  b:",
        "    driver: process",
        "    kind: directory",
        "    lifetime: persistent",
        "    depends_on: [a]",
      ),
      errors: ["den.yaml:11:18: dependency cycle: a → b → a"],
    },
    {
      name: "self reference and unknown depends_on",
      text: lines(...RESOURCES, "    depends_on: [ghost]", '    x: "${{ resources.box.pid }}"'),
      errors: ['den.yaml:10:18: unknown resource "ghost"', 'den.yaml:11:23: resource "box" refers to itself'],
    },
    {
      name: "agent in a missing resource",
      text: lines(...RESOURCES, "agents:", "  main:", "    resource: vm"),
      errors: ['den.yaml:12:15: unknown resource "vm": the template declares "home", "box"'],
    },
    {
      name: "duplicate app slugs, script names and metadata keys",
      text: lines(
        ...RESOURCES,
        "agents:",
        "  main:",
        "    resource: box",
        "    scripts:",
        "      - {name: setup, run_on: start, script: a}",
        "      - {name: setup, run_on: stop, script: b}",
        "    apps:",
        "      - {slug: web, url: 'http://localhost:8080'}",
        "      - {slug: web, command: top}",
        "    metadata:",
        "      - {key: load, script: uptime}",
        "      - {key: load, script: uptime}",
      ),
      errors: [
        'den.yaml:15:16: duplicate script name "setup" (first declared on line 14)',
        'den.yaml:18:16: duplicate app slug "web" (first declared on line 17)',
        'den.yaml:21:15: duplicate metadata key "load" (first declared on line 20)',
      ],
    },
    {
      name: "app with two targets and a cron script without schedule",
      text: lines(
        ...RESOURCES,
        "agents:",
        "  main:",
        "    resource: box",
        "    scripts:",
        "      - {name: nightly, run_on: cron, script: backup}",
        "    apps:",
        "      - {slug: web, url: 'http://localhost:8080', command: top}",
      ),
      errors: [
        "den.yaml:14:9: agents.main.scripts[0].cron: is required when run_on is cron",
        "den.yaml:16:9: agents.main.apps[0]: an app needs exactly one of url, command or external (has url, command)",
      ],
    },
    {
      name: "parameter defaults failing their own validation",
      text: lines(
        "parameters:",
        "  - name: cpus",
        "    type: number",
        "    default: 64",
        "    validation: {min: 1, max: 8}",
        "  - name: user",
        "    default: Ann",
        "    validation: {regex: '^[a-z]+$', error: 'lower case only'}",
        "  - name: size",
        "    default: huge",
        "    options: [{name: Small, value: small}]",
        "  - name: debug",
        "    type: bool",
        "    default: yes",
        ...RESOURCES,
      ),
      errors: [
        "den.yaml:4:14: default fails the parameter's own validation: must be between 1 and 8 (got 64)",
        "den.yaml:7:14: default fails the parameter's own validation: lower case only",
        'den.yaml:10:14: default fails the parameter\'s own validation: "huge" is not one of the options: "small"',
        'den.yaml:14:14: default "yes" is not a bool: use true or false',
      ],
    },
    {
      name: "parameter declarations that contradict themselves",
      text: lines(
        "parameters:",
        "  - name: a",
        "    type: bool",
        "    default: true",
        "    validation: {regex: 'x', error: 'e'}",
        "  - name: a",
        "    default: x",
        "    ephemeral: true",
        "  - name: c",
        "    default: 1.20",
        ...RESOURCES,
      ),
      errors: [
        "den.yaml:5:25: regex validation applies to string and list(string) parameters, not bool",
        'den.yaml:6:11: duplicate parameter "a" (first declared on line 2)',
        "den.yaml:8:16: an ephemeral parameter must also be mutable",
        "den.yaml:10:14: default 1.2 must be a string: quote it",
      ],
    },
    {
      name: "app and script rules",
      text: lines(
        ...RESOURCES,
        "agents:",
        "  main:",
        "    resource: box",
        "    env: {1A: x}",
        "    apps:",
        "      - {slug: a, url: 'ftp://x', subdomain: true}",
        "      - {slug: b, command: top, healthcheck: {url: 'http://x'}}",
        "    scripts:",
        "      - {name: s, run_on: stop, blocks_login: true, script: x}",
        "      - {name: t, run_on: cron, cron: 'every day', script: x}",
      ),
      errors: [
        'den.yaml:13:11: environment variable name "1A" must hold only letters, digits and _',
        "den.yaml:15:24: agents.main.apps[0].url: must be an http or https URL",
        "den.yaml:16:46: agents.main.apps[1].healthcheck: only apps with a url have a health check",
        "den.yaml:18:47: agents.main.scripts[0].blocks_login: only start scripts can block logins",
        "den.yaml:19:39: agents.main.scripts[1].cron: must be a cron schedule",
      ],
    },
    {
      name: "key named __proto__",
      text: lines(...RESOURCES, "    env: {__proto__: x}"),
      errors: ['den.yaml:10:11: the key "__proto__" is not allowed'],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const errors = errorsOf(c.text);
      expect(errors).toHaveLength(c.errors.length);
      c.errors.forEach((expected, index) => expect(errors[index]).toContain(expected));
    });
  }

  it("collects errors from every part of the file at once", () => {
    const errors = errorsOf(
      lines("cost: -1", "parameters:", "  - name: n", "    type: text", ...RESOURCES, '    dir: "${{ params.missing }}"', "agents:", "  main:", "    resource: nope"),
    );
    expect(errors).toEqual([
      expect.stringContaining("den.yaml:1:7: cost: must be at least 0"),
      expect.stringContaining("den.yaml:4:11: parameters[0].type: must be one of string, number, bool, list(string)"),
      expect.stringContaining("den.yaml:14:22: unknown parameter"),
      expect.stringContaining('den.yaml:17:15: unknown resource "nope"'),
    ]);
  });

  it("reports a missing den.yaml and uses the given file name", () => {
    expect(parseTemplate({ "README.md": "hi" })).toEqual({
      ok: false,
      errors: [{ file: "den.yaml", line: 1, column: 1, message: "den.yaml is missing from the template folder" }],
    });
    const result = parseTemplate({ "template.yaml": "cost: x\n" }, { fileName: "template.yaml" });
    expect(result.ok ? [] : result.errors).toEqual([expect.objectContaining({ file: "template.yaml", line: 1, column: 7 })]);
  });
});

describe("parseTemplate results", () => {
  it("parses the process example without errors", () => {
    const text = readFileSync(new URL("../../../examples/process/den.yaml", import.meta.url), "utf8");
    const template = parseOk(text);
    expect(template.name).toBe("local-dev");
    expect(template.resources.home).toMatchObject({ driver: "process", kind: "directory", lifetime: "persistent", depends_on: [] });
    expect(template.resources.box).toMatchObject({ driver: "process", kind: "process", lifetime: "ephemeral", depends_on: ["home"] });
    expect(template.agents.main).toMatchObject({ resource: "box", dir: "${{ resources.home.path }}" });
    expect(template.agents.main!.scripts[0]).toMatchObject({ name: "setup", run_on: "start", blocks_login: true });
    expect(template.agents.main!.metadata.length).toBeGreaterThan(0);
    expect(template.parameters[0]).toMatchObject({ name: "greeting", type: "string", default: "hello", mutable: true, required: false });
    expect(resourceOrder(template)).toEqual(["home", "box"]);
  });

  it("keeps driver settings raw and fills in defaults", () => {
    const template = parseOk(
      lines(
        "parameters:",
        "  - {name: count, type: number, default: 3}",
        "  - {name: tags, type: list(string), default: [a, b]}",
        "  - {name: on, type: bool}",
        ...RESOURCES,
        '    command: ["sleep", "${{ params.count }}"]',
        "agents:",
        "  main:",
        "    resource: box",
        "    env: {PORT: 8080}",
        "    apps:",
        "      - {slug: web, url: 'http://localhost:8080', healthcheck: {url: 'http://localhost:8080/healthz'}}",
        "    metadata:",
        "      - {key: load, script: uptime}",
      ),
    );
    expect(template.parameters.map((p) => [p.name, p.default, p.required])).toEqual([
      ["count", "3", false],
      ["tags", '["a","b"]', false],
      ["on", undefined, true],
    ]);
    expect(template.resources.box!.settings).toEqual({ command: ["sleep", "${{ params.count }}"] });
    expect(template).toMatchObject({ cost: 0, max_port_share_level: "owner" });
    expect(template.agents.main).toEqual({
      resource: "box",
      env: { PORT: "8080" },
      connection_timeout: 120,
      scripts: [],
      apps: [
        {
          slug: "web",
          display_name: "web",
          url: "http://localhost:8080",
          subdomain: false,
          share: "owner",
          healthcheck: { url: "http://localhost:8080/healthz", interval: 5, threshold: 6 },
          hidden: false,
          order: 0,
        },
      ],
      metadata: [{ key: "load", display_name: "load", script: "uptime", interval: 10, timeout: 5 }],
    });
  });

  it("takes a driver's default lifetime when one is given", () => {
    const text = lines("resources:", "  vol:", "    driver: docker", "    kind: volume");
    const result = parseTemplate({ "den.yaml": text }, { defaultLifetime: (driver, kind) => (driver === "docker" && kind === "volume" ? "persistent" : undefined) });
    expect(result.ok && result.template.resources.vol!.lifetime).toBe("persistent");
  });

  it("keeps positions that survive JSON, for settings and for expressions", () => {
    const template = JSON.parse(JSON.stringify(parseOk(lines(...RESOURCES, "    image: debian", '    env: {A: "x ${{ resources.home.missing }}"}')))) as TemplateSpec;
    expect(positionOf(template, ["resources", "box", "image"])).toEqual({ file: "den.yaml", line: 10, column: 12 });
    expect(positionOf(template, ["resources", "box", "nothere"])).toEqual({ file: "den.yaml", line: 7, column: 5 });
    expect(positionOf(template, ["resources", "box", "env", "A"], 0)).toEqual({ file: "den.yaml", line: 11, column: 17 });
    const scope = { params: {}, workspace: { id: "1", name: "w" }, owner: { username: "u", email: "e" }, transition: "start", resources: { home: { path: "/h" } } };
    let error: unknown;
    try {
      evaluateValue(template.resources.box!.settings, scope, { template, path: ["resources", "box"] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).message).toBe('den.yaml:11:36: resource "home" has no output "missing": it has "path"');
  });
});
