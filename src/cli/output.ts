/** How listings and shows print: a table for people, JSON for scripts. */
export type OutputFormat = "table" | "json";

export type Column<T> = { header: string; value: (row: T) => string | number | boolean | null | undefined };

export function renderTable<T>(rows: T[], columns: Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => formatCell(c.value(r))));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(headers), ...cells.map(line)].join("\n") + "\n";
}

function formatCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined || v === "") return "-";
  return String(v).replace(/[\r\n\t]+/g, " ");
}

/** One record as aligned "Label: value" lines, for `show` commands and `whoami`. */
export function renderDetails(fields: Array<[label: string, value: string | number | boolean | null | undefined]>): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length + 1));
  return fields.map(([label, value]) => `${(label + ":").padEnd(width)}  ${formatCell(value)}`).join("\n") + "\n";
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/** Relative age for tables: "3m ago", "in 2d". */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const units: Array<[number, string]> = [[86_400_000, "d"], [3_600_000, "h"], [60_000, "m"], [1000, "s"]];
  for (const [ms, unit] of units) {
    if (abs >= ms || unit === "s") {
      const n = Math.floor(abs / ms);
      return diff < 0 ? `${n}${unit} ago` : `in ${n}${unit}`;
    }
  }
  return iso;
}
