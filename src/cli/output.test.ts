import { describe, expect, it } from "vitest";
import { formatRelative, renderDetails, renderJson, renderTable } from "./output.js";

describe("renderTable", () => {
  type Row = { name: string; roles: string[]; seen: string | null };
  const columns = [
    { header: "name", value: (r: Row) => r.name },
    { header: "roles", value: (r: Row) => r.roles.join(",") },
    { header: "last seen", value: (r: Row) => r.seen },
  ];

  it("aligns columns under upper-case headers and shows missing values as '-'", () => {
    const text = renderTable<Row>(
      [
        { name: "admin", roles: ["owner", "member"], seen: "today" },
        { name: "bo", roles: [], seen: null },
      ],
      columns,
    );
    expect(text).toBe(["NAME   ROLES         LAST SEEN", "admin  owner,member  today", "bo     -             -", ""].join("\n"));
  });

  it("prints only the headers for no rows", () => {
    expect(renderTable<Row>([], columns)).toBe("NAME  ROLES  LAST SEEN\n");
  });

  it("keeps a row on one line when a value holds line breaks", () => {
    const text = renderTable<Row>([{ name: "a\nb", roles: ["x\ty"], seen: "now" }], columns);
    expect(text.split("\n")).toHaveLength(3);
    expect(text).toContain("a b");
  });
});

describe("renderDetails", () => {
  it("aligns values after their labels", () => {
    expect(renderDetails([["Username", "admin"], ["Roles", "owner, member"], ["Last seen", null]])).toBe(
      ["Username:   admin", "Roles:      owner, member", "Last seen:  -", ""].join("\n"),
    );
  });
});

describe("renderJson", () => {
  it("prints indented JSON with a final newline", () => {
    expect(renderJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });
});

describe("formatRelative", () => {
  const now = Date.parse("2025-01-10T12:00:00Z");
  it("says how long ago or how far ahead", () => {
    expect(formatRelative("2025-01-10T11:57:00Z", now)).toBe("3m ago");
    expect(formatRelative("2025-01-12T12:00:00Z", now)).toBe("in 2d");
    expect(formatRelative("2025-01-10T12:00:00-03:30", now)).toBe("in 3h");
    expect(formatRelative(null, now)).toBe("never");
  });
});
