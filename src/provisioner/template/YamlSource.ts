import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import { pathPointer, type Position, type TemplatePath } from "./TemplateSpec.js";

/**
 * A parsed den.yaml with its text, so that any path of the data (a zod
 * issue, a reference) can be turned into file:line:column.
 */
export class YamlSource {
  constructor(
    readonly file: string,
    readonly text: string,
    readonly doc: Document.Parsed,
    readonly lines: LineCounter,
  ) {}

  /** The position of an offset in the text, 1-based. */
  at(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line: Math.max(line, 1), column: Math.max(col, 1) };
  }

  /** The YAML node at a path, if there is one. */
  node(path: TemplatePath): Node | undefined {
    if (path.length === 0) return isNode(this.doc.contents) ? this.doc.contents : undefined;
    const found: unknown = this.doc.getIn(path, true);
    return isNode(found) ? found : undefined;
  }

  /** Where the value at a path starts, or the closest enclosing value (a missing key is reported at its map). */
  positionOf(path: TemplatePath): Position {
    for (let length = path.length; length >= 0; length -= 1) {
      const range = this.node(path.slice(0, length))?.range;
      if (range) return this.at(range[0]);
    }
    return { file: this.file, line: 1, column: 1 };
  }

  /** Where a key of the map at `path` is written (for unknown or duplicate keys). */
  keyPositionOf(path: TemplatePath, key: string): Position {
    const map = this.node(path);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) return this.at(pair.key.range[0]);
      }
    }
    return this.positionOf([...path, key]);
  }

  /**
   * The offset in the file of the n-th (from 0) occurrence of `needle` in the
   * source of the string at `path`. Occurrences of `${{` are the same in a
   * value and its source (quotes, folding and indentation do not change
   * them), which is what lets an expression be placed exactly.
   */
  nthInString(path: TemplatePath, needle: string, n: number): number | undefined {
    const node = this.node(path);
    if (!isScalar(node) || !node.range) return undefined;
    const [start, end] = node.range;
    const text = this.text.slice(start, end);
    let index = -1;
    for (let i = 0; i <= n; i += 1) {
      index = text.indexOf(needle, index + 1);
      if (index < 0) return undefined;
    }
    return start + index;
  }

  /** [line, column] of every value, keyed by JSON Pointer. Aliases are not followed. */
  positions(): Record<string, [number, number]> {
    const positions: Record<string, [number, number]> = {};
    const walk = (node: unknown, path: (string | number)[]): void => {
      if (!isNode(node)) return;
      if (node.range) {
        const { line, column } = this.at(node.range[0]);
        positions[pathPointer(path)] = [line, column];
      }
      if (isMap(node)) {
        for (const pair of node.items) {
          if (!isPair(pair) || !isScalar(pair.key)) continue;
          const key = String(pair.key.value);
          if (isNode(pair.value) && pair.value.range && !(isScalar(pair.value) && pair.value.value === null)) walk(pair.value, [...path, key]);
          else if (pair.key.range) {
            // An empty value (`dir:`) has no text of its own: point at its key.
            const { line, column } = this.at(pair.key.range[0]);
            positions[pathPointer([...path, key])] = [line, column];
          }
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, index) => walk(item, [...path, index]));
      }
    };
    walk(this.doc.contents, []);
    return positions;
  }
}
