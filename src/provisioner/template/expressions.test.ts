import { describe, expect, it } from "vitest";
import { ExpressionSyntaxError, expressionReferences, parseInterpolation } from "./expressionParser.js";
import { evaluateString, evaluateValue, ExpressionError, type ExpressionScope } from "./expressions.js";

const scope: ExpressionScope = {
  params: { greeting: "Hello", count: 3, debug: false, tags: ["a", "b"], empty: "", padded: "  x  " },
  workspace: { id: "ws-1", name: "dev" },
  owner: { username: "ann", email: "ann@example.com" },
  transition: "start",
  resources: { home: { path: "/data/home", size: 10 } },
};

const evaluate = (text: string) => evaluateString(text, scope);

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof ExpressionError || err instanceof ExpressionSyntaxError) return err.message;
    throw err;
  }
  throw new Error("expected an error");
}

describe("expression values and types", () => {
  const cases: [string, unknown][] = [
    ["${{ params.count }}", 3],
    ["${{ params.debug }}", false],
    ["${{ params.tags }}", ["a", "b"]],
    ["${{ 'x' }}", "x"],
    ['${{ "a\\"b" }}', 'a"b'],
    ["${{ 1.5 }}", 1.5],
    ["${{ -params.count }}", -3],
    ["${{ true }}", true],
    ["${{ workspace.id }}/${{ workspace.name }}", "ws-1/dev"],
    ["${{ owner.username }} <${{ owner.email }}>", "ann <ann@example.com>"],
    ["${{ transition }}", "start"],
    ["${{ resources.home.path }}/projects", "/data/home/projects"],
    ["${{ resources.home.size }}", 10],
    ["count=${{ params.count }}", "count=3"],
    ["debug=${{ params.debug }}", "debug=false"],
    ["tags=${{ params.tags }}", 'tags=["a","b"]'],
    [" ${{ params.count }}", " 3"],
    ["no expressions", "no expressions"],
    ["$${{ literal }} and ${{ params.count }}", "${{ literal }} and 3"],
    ["${{ '}}' }}", "}}"],
  ];
  for (const [text, expected] of cases) it(`${text} → ${JSON.stringify(expected)}`, () => expect(evaluate(text)).toEqual(expected));
});

describe("operators and precedence", () => {
  const cases: [string, unknown][] = [
    ["${{ 1 + 2 + 3 }}", 6],
    ["${{ 'a' + 1 + 2 }}", "a12"],
    ["${{ 1 + 2 + 'a' }}", "3a"],
    ["${{ 1 + (2 + 'a') }}", "12a"],
    ["${{ params.count == 3 }}", true],
    ["${{ params.count != 3 }}", false],
    ["${{ params.tags == params.tags }}", true],
    ["${{ 1 + 2 == 3 }}", true],
    ["${{ params.count > 2 && params.count <= 3 }}", true],
    ["${{ true || false && false }}", true],
    ["${{ (true || false) && false }}", false],
    ["${{ !params.debug }}", true],
    ["${{ !true == false }}", true],
    ["${{ params.debug ? 'on' : 'off' }}", "off"],
    ["${{ false ? 1 : true ? 2 : 3 }}", 2],
    ["${{ params.count > 1 ? params.count + 1 : 0 }}", 4],
    ["${{ transition == 'start' && !params.debug ? 'go' : 'wait' }}", "go"],
    // The right side is not evaluated when the left decides, so a missing output there is no error.
    ["${{ true || resources.nope.x == 'y' }}", true],
  ];
  for (const [text, expected] of cases) it(`${text} → ${JSON.stringify(expected)}`, () => expect(evaluate(text)).toEqual(expected));
});

describe("functions", () => {
  const cases: [string, unknown][] = [
    ["${{ lower(params.greeting) }}", "hello"],
    ["${{ upper(params.greeting) }}", "HELLO"],
    ["${{ trim(params.padded) }}", "x"],
    ["${{ default(params.empty, 'fallback') }}", "fallback"],
    ["${{ default(params.greeting, 'fallback') }}", "Hello"],
    ["${{ default(resources.home.nothing, '/tmp') }}", "/tmp"],
    ["${{ default(resources.later.path, '/tmp') }}", "/tmp"],
    ["${{ join(params.tags, ',') }}", "a,b"],
    ["${{ contains(params.tags, 'b') }}", true],
    ["${{ contains(params.greeting, 'ell') }}", true],
    ["${{ upper(lower('MiXeD') + '!') }}", "MIXED!"],
  ];
  for (const [text, expected] of cases) it(`${text} → ${JSON.stringify(expected)}`, () => expect(evaluate(text)).toEqual(expected));
});

describe("errors", () => {
  const cases: [string, string][] = [
    ["${{ params.count + params.tags }}", "cannot add number and list"],
    ["${{ params.count == '3' }}", "cannot compare number with string using =="],
    ["${{ params.greeting && true }}", "&& needs a bool, not a string (Hello)"],
    ["${{ params.count ? 1 : 2 }}", "the condition of ?: needs a bool, not a number (3)"],
    ["${{ lower(params.count) }}", "lower() needs a string, not a number (3)"],
    ["${{ resources.home.nope }}", 'resource "home" has no output "nope": it has "path", "size"'],
    ["${{ resources.db.url }}", 'resource "db" has no outputs yet: it has not been created'],
    ["${{ params.constructor }}", 'unknown parameter "constructor"'],
    ["${{ params.__proto__ }}", 'unknown parameter "__proto__"'],
    ["${{ resources.constructor.name }}", 'resource "constructor" has no outputs yet'],
    ["${{ }}", "empty expression"],
    ["${{ params.count", "expression is not closed: missing }}"],
    ["${{ 'abc }}", "string is not closed"],
    ["${{ 1 * 2 }}", 'unexpected character "*"'],
    ["${{ 1 + + 2 }}", 'unexpected "+": expected a value'],
    ["${{ 1 2 }}", "unexpected number 2: expected an operator or }}"],
    ["${{ (1 + 2 }}", 'expected ")" but found the end of the expression'],
    ["${{ constructor }}", 'unknown name "constructor"'],
    ["${{ this.x }}", 'unknown name "this"'],
    ["${{ params }}", 'incomplete name "params": use params.<name>'],
    ["${{ params.a.b }}", '"params.a" has no field "b"'],
    ["${{ params.toString() }}", 'unexpected "(": expected an operator or }}'],
    ["${{ workspace.owner }}", 'workspace has no field "owner"'],
    ["${{ resources.home }}", "use resources.<name>.<output>"],
    ["${{ transition.x }}", '"transition" has no field "x"'],
    ["${{ eval('1') }}", "unknown function eval()"],
    ["${{ lower('a', 'b') }}", "lower() takes 1 argument, not 2"],
    ["${{ 'a\\q' }}", "unknown escape \\q in string"],
    [`\${{ ${"(".repeat(100)}1${")".repeat(100)} }}`, "expression is nested too deeply"],
  ];
  for (const [text, message] of cases) it(`${text.slice(0, 40)} → ${message}`, () => expect(errorOf(() => evaluate(text))).toContain(message));

  it("names the column of the failing part within the string", () => {
    const locate = (offset: number) => ({ file: "den.yaml", line: 7, column: 10 + offset });
    // "x ${{ params.count + params.tags }}": the + is at offset 19.
    expect(errorOf(() => evaluateString("x ${{ params.count + params.tags }}", scope, locate))).toBe("den.yaml:7:29: cannot add number and list: + adds numbers or joins text");
  });

  it("places errors of nested values at the given position", () => {
    const where = { file: "den.yaml", line: 3, column: 5 };
    const value = { env: { A: ["ok", "${{ params.nope }}"] } };
    expect(errorOf(() => evaluateValue(value, scope, where))).toBe('den.yaml:3:5: unknown parameter "nope"');
  });
});

describe("evaluateValue", () => {
  it("evaluates through arrays and objects and leaves the input alone", () => {
    const value = { command: ["sh", "-c", "echo ${{ params.greeting }}"], count: "${{ params.count }}", keep: 5, flag: true, nothing: null };
    const copy = structuredClone(value);
    expect(evaluateValue(value, scope)).toEqual({ command: ["sh", "-c", "echo Hello"], count: 3, keep: 5, flag: true, nothing: null });
    expect(value).toEqual(copy);
  });
});

describe("parseInterpolation", () => {
  it("gives the offsets of each expression and what it reads", () => {
    const parts = parseInterpolation("a ${{ params.x }} b ${{ resources.home.path + owner.email }}");
    expect(parts.map((p) => (p.kind === "text" ? p.text : [p.start, p.end]))).toEqual(["a ", [2, 17], " b ", [20, 60]]);
    const refs = parts.flatMap((p) => (p.kind === "expression" ? expressionReferences(p.expr) : []));
    expect(refs.map((r) => [r.root, ...r.path, r.at])).toEqual([
      ["params", "x", 6],
      ["resources", "home", "path", 24],
      ["owner", "email", 46],
    ]);
  });
});
