/**
 * The `${{ … }}` expression language: a hand-written tokenizer and a
 * recursive-descent parser. Nothing here ever reaches eval or Function, and
 * a name can only be one of the fixed paths below, so an expression cannot
 * reach an object's prototype or anything else of the process.
 *
 * Offsets (`at`) count UTF-16 units from the start of the whole string the
 * expression sits in, so that errors can be placed at a line and column.
 */

export type RefRoot = "params" | "workspace" | "owner" | "resources" | "transition";
export type BinaryOp = "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+";
export type FunctionName = "lower" | "upper" | "trim" | "default" | "join" | "contains";

export type Expr =
  | { kind: "literal"; value: string | number | boolean; at: number }
  | { kind: "ref"; root: RefRoot; path: string[]; at: number; pathAt: number[] }
  | { kind: "unary"; op: "!" | "-"; operand: Expr; at: number }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; at: number }
  | { kind: "conditional"; test: Expr; then: Expr; otherwise: Expr; at: number }
  | { kind: "call"; name: FunctionName; args: Expr[]; at: number };

export type Part =
  | { kind: "text"; text: string }
  /** `start` is the offset of `${{`, `end` the offset just after `}}`. */
  | { kind: "expression"; expr: Expr; start: number; end: number };

export const FUNCTION_ARITY: Record<FunctionName, number> = { lower: 1, upper: 1, trim: 1, default: 2, join: 2, contains: 2 };

const ROOT_FIELDS: Record<RefRoot, readonly string[] | undefined> = {
  params: undefined,
  workspace: ["id", "name"],
  owner: ["username", "email"],
  resources: undefined,
  transition: [],
};

/** Deep nesting is refused rather than allowed to exhaust the stack. */
const MAX_DEPTH = 64;

export class ExpressionSyntaxError extends Error {
  override name = "ExpressionSyntaxError";
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/**
 * Splits a string into text and expressions. `$${{` stands for a literal
 * `${{`. Throws ExpressionSyntaxError at the first problem.
 */
export function parseInterpolation(text: string): Part[] {
  const parts: Part[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${{", i)) {
      literal += "${{";
      i += 4;
      continue;
    }
    if (!text.startsWith("${{", i)) {
      literal += text[i];
      i += 1;
      continue;
    }
    if (literal !== "") parts.push({ kind: "text", text: literal });
    literal = "";
    const tokens = tokenize(text, i);
    const parser = new Parser(tokens);
    const expr = parser.parseWhole(i);
    const end = tokens[tokens.length - 1]!.at + 2;
    parts.push({ kind: "expression", expr, start: i, end });
    i = end;
  }
  if (literal !== "") parts.push({ kind: "text", text: literal });
  return parts;
}

/** Every name an expression reads, with where it is. */
export function expressionReferences(expr: Expr): Extract<Expr, { kind: "ref" }>[] {
  switch (expr.kind) {
    case "literal":
      return [];
    case "ref":
      return [expr];
    case "unary":
      return expressionReferences(expr.operand);
    case "binary":
      return [...expressionReferences(expr.left), ...expressionReferences(expr.right)];
    case "conditional":
      return [...expressionReferences(expr.test), ...expressionReferences(expr.then), ...expressionReferences(expr.otherwise)];
    case "call":
      return expr.args.flatMap(expressionReferences);
  }
}

type Token =
  | { type: "number"; value: number; text: string; at: number }
  | { type: "string"; value: string; at: number }
  | { type: "ident"; value: string; at: number }
  | { type: "punct"; value: string; at: number }
  | { type: "close"; value: "}}"; at: number };

const PUNCTUATION = ["==", "!=", "&&", "||", "<=", ">=", "(", ")", ",", ".", "?", ":", "+", "-", "!", "<", ">"];
const ESCAPES: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', n: "\n", t: "\t", r: "\r" };

/** Tokens from just after `${{` (at `open`) up to and including the closing `}}`. */
function tokenize(text: string, open: number): Token[] {
  const tokens: Token[] = [];
  let i = open + 3;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i += 1;
    if (i >= text.length) throw new ExpressionSyntaxError("expression is not closed: missing }}", open);
    const c = text[i]!;
    if (text.startsWith("}}", i)) {
      tokens.push({ type: "close", value: "}}", at: i });
      return tokens;
    }
    if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(?:\.[0-9]+)?/.exec(text.slice(i))!;
      tokens.push({ type: "number", value: Number(match[0]), text: match[0], at: i });
      i += match[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      // Names may hold dashes (resource names are DNS labels); there is no binary minus to confuse them with.
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))!;
      tokens.push({ type: "ident", value: match[0], at: i });
      i += match[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const at = i;
      let value = "";
      i += 1;
      for (;;) {
        if (i >= text.length) throw new ExpressionSyntaxError("string is not closed", at);
        const d = text[i]!;
        if (d === c) break;
        if (d === "\\") {
          const escaped = ESCAPES[text[i + 1] ?? ""];
          if (escaped === undefined) throw new ExpressionSyntaxError(`unknown escape \\${text[i + 1] ?? ""} in string`, i);
          value += escaped;
          i += 2;
          continue;
        }
        value += d;
        i += 1;
      }
      tokens.push({ type: "string", value, at });
      i += 1;
      continue;
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (punct === undefined) throw new ExpressionSyntaxError(`unexpected character ${JSON.stringify(c)}`, i);
    tokens.push({ type: "punct", value: punct, at: i });
    i += punct.length;
  }
}

class Parser {
  private index = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parseWhole(open: number): Expr {
    if (this.peek().type === "close") throw new ExpressionSyntaxError("empty expression", open);
    const expr = this.expression();
    const next = this.peek();
    if (next.type !== "close") throw new ExpressionSyntaxError(`unexpected ${describe(next)}: expected an operator or }}`, next.at);
    return expr;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private isPunct(value: string): boolean {
    const token = this.peek();
    return token.type === "punct" && token.value === value;
  }

  private take(): Token {
    const token = this.peek();
    if (token.type !== "close") this.index += 1;
    return token;
  }

  private expect(value: string): Token {
    const token = this.peek();
    if (token.type !== "punct" || token.value !== value) throw new ExpressionSyntaxError(`expected "${value}" but found ${describe(token)}`, token.at);
    return this.take();
  }

  private expression(): Expr {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) throw new ExpressionSyntaxError("expression is nested too deeply", this.peek().at);
    const test = this.binary(0);
    let result = test;
    if (this.isPunct("?")) {
      const at = this.take().at;
      const then = this.expression();
      this.expect(":");
      const otherwise = this.expression();
      result = { kind: "conditional", test, then, otherwise, at };
    }
    this.depth -= 1;
    return result;
  }

  /** Operators by precedence, loosest first; all are left-associative. */
  private static readonly LEVELS: readonly (readonly BinaryOp[])[] = [["||"], ["&&"], ["==", "!="], ["<", "<=", ">", ">="], ["+"]];

  private binary(level: number): Expr {
    const ops = Parser.LEVELS[level];
    if (ops === undefined) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const token = this.peek();
      if (token.type !== "punct" || !(ops as readonly string[]).includes(token.value)) return left;
      this.take();
      const right = this.binary(level + 1);
      left = { kind: "binary", op: token.value as BinaryOp, left, right, at: token.at };
    }
  }

  private unary(): Expr {
    const token = this.peek();
    if (token.type === "punct" && (token.value === "!" || token.value === "-")) {
      this.take();
      this.depth += 1;
      if (this.depth > MAX_DEPTH) throw new ExpressionSyntaxError("expression is nested too deeply", token.at);
      const operand = this.unary();
      this.depth -= 1;
      return { kind: "unary", op: token.value, operand, at: token.at };
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.take();
    switch (token.type) {
      case "number":
        return { kind: "literal", value: token.value, at: token.at };
      case "string":
        return { kind: "literal", value: token.value, at: token.at };
      case "close":
        throw new ExpressionSyntaxError("expression ends too early: expected a value", token.at);
      case "punct":
        if (token.value === "(") {
          const inner = this.expression();
          this.expect(")");
          return inner;
        }
        throw new ExpressionSyntaxError(`unexpected ${describe(token)}: expected a value`, token.at);
      case "ident":
        if (token.value === "true" || token.value === "false") return { kind: "literal", value: token.value === "true", at: token.at };
        if (this.isPunct("(")) return this.call(token.value, token.at);
        return this.reference(token.value, token.at);
    }
  }

  private call(name: string, at: number): Expr {
    if (!Object.hasOwn(FUNCTION_ARITY, name)) {
      throw new ExpressionSyntaxError(`unknown function ${name}(): use ${Object.keys(FUNCTION_ARITY).join("(), ")}()`, at);
    }
    const fn = name as FunctionName;
    this.expect("(");
    const args: Expr[] = [];
    if (!this.isPunct(")")) {
      args.push(this.expression());
      while (this.isPunct(",")) {
        this.take();
        args.push(this.expression());
      }
    }
    this.expect(")");
    if (args.length !== FUNCTION_ARITY[fn]) {
      throw new ExpressionSyntaxError(`${fn}() takes ${FUNCTION_ARITY[fn]} argument${FUNCTION_ARITY[fn] === 1 ? "" : "s"}, not ${args.length}`, at);
    }
    return { kind: "call", name: fn, args, at };
  }

  private reference(root: string, at: number): Expr {
    if (!Object.hasOwn(ROOT_FIELDS, root)) {
      throw new ExpressionSyntaxError(`unknown name "${root}": expressions read params, workspace, owner, resources and transition`, at);
    }
    const path: string[] = [];
    const pathAt: number[] = [];
    while (this.isPunct(".")) {
      this.take();
      const segment = this.take();
      if (segment.type !== "ident") throw new ExpressionSyntaxError(`expected a name after "." but found ${describe(segment)}`, segment.at);
      path.push(segment.value);
      pathAt.push(segment.at);
    }
    checkPath(root as RefRoot, path, pathAt, at);
    return { kind: "ref", root: root as RefRoot, path, at, pathAt };
  }
}

function checkPath(root: RefRoot, path: string[], pathAt: number[], at: number): void {
  const fields = ROOT_FIELDS[root];
  const wanted = root === "resources" ? 2 : root === "params" ? 1 : fields!.length > 0 ? 1 : 0;
  if (path.length < wanted) {
    const shape = { params: "params.<name>", resources: "resources.<name>.<output>", workspace: "workspace.id or workspace.name", owner: "owner.username or owner.email", transition: "transition" }[root];
    throw new ExpressionSyntaxError(`incomplete name "${[root, ...path].join(".")}": use ${shape}`, at);
  }
  if (path.length > wanted) {
    throw new ExpressionSyntaxError(`"${[root, ...path.slice(0, wanted)].join(".")}" has no field "${path[wanted]}"`, pathAt[wanted]!);
  }
  if (fields && fields.length > 0 && !fields.includes(path[0]!)) {
    throw new ExpressionSyntaxError(`${root} has no field "${path[0]}": use ${fields.map((f) => `${root}.${f}`).join(" or ")}`, pathAt[0]!);
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case "close":
      return "the end of the expression";
    case "string":
      return `string ${JSON.stringify(token.value)}`;
    case "number":
      return `number ${token.text}`;
    default:
      return `"${token.value}"`;
  }
}
