/** A run of text with the SGR attributes in force; the text is plain (escaped when rendered). */
export type AnsiSegment = { text: string; fg?: number; bold?: boolean };

// CSI sequences (colours, cursor moves, erase) and OSC sequences (titles, links).
// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001b\[([0-9;?]*)([A-Za-z])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[^[\]]/g;

/**
 * Splits terminal output into segments by ANSI SGR colour codes (30–37,
 * 90–97 foreground, 1 bold, 0/39/22 reset). Every other escape sequence is
 * dropped, so no control character reaches the page.
 */
export function parseAnsi(input: string): AnsiSegment[] {
  const segments: AnsiSegment[] = [];
  let fg: number | undefined;
  let bold = false;
  let last = 0;
  const push = (text: string) => {
    if (!text) return;
    const segment: AnsiSegment = { text };
    if (fg !== undefined) segment.fg = fg;
    if (bold) segment.bold = true;
    segments.push(segment);
  };
  for (const match of input.matchAll(ESCAPE)) {
    push(input.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] !== "m") continue;
    const codes = (match[1] ?? "").split(";").map((code) => (code === "" ? 0 : Number(code)));
    for (const code of codes) {
      if (code === 0) {
        fg = undefined;
        bold = false;
      } else if (code === 1) bold = true;
      else if (code === 22) bold = false;
      else if (code === 39) fg = undefined;
      else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) fg = code;
    }
  }
  push(input.slice(last));
  return segments;
}
