import { describe, expect, it } from "vitest";
import { ScrollbackBuffer } from "./ScrollbackBuffer.js";

describe("ScrollbackBuffer", () => {
  it("keeps everything while under capacity", () => {
    const buf = new ScrollbackBuffer(16);
    buf.append(Buffer.from("hello "));
    buf.append(Buffer.from("world"));
    expect(buf.contents().toString()).toBe("hello world");
    expect(buf.size).toBe(11);
  });

  it("keeps only the newest bytes once it wraps", () => {
    const buf = new ScrollbackBuffer(8);
    buf.append(Buffer.from("abcdef"));
    buf.append(Buffer.from("ghij"));
    expect(buf.contents().toString()).toBe("cdefghij");
    buf.append(Buffer.from("k"));
    expect(buf.contents().toString()).toBe("defghijk");
  });

  it("keeps the tail of a chunk larger than the buffer", () => {
    const buf = new ScrollbackBuffer(4);
    buf.append(Buffer.from("xy"));
    buf.append(Buffer.from("0123456789"));
    expect(buf.contents().toString()).toBe("6789");
  });

  it("matches a plain concatenation over many random appends", () => {
    const buf = new ScrollbackBuffer(100);
    let all = "";
    for (let i = 0; i < 500; i++) {
      const piece = String(i).repeat((i % 7) + 1);
      buf.append(Buffer.from(piece));
      all += piece;
      expect(buf.contents().toString()).toBe(all.slice(-100));
    }
  });
});
