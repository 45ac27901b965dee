import { describe, expect, it } from "vitest";
import { DatagramDecoder, encodeDatagram } from "./datagramFraming.js";

describe("datagram framing", () => {
  it("keeps datagram boundaries however the stream is cut", () => {
    const datagrams = [Buffer.from("a"), Buffer.alloc(0), Buffer.alloc(65535, 7), Buffer.from("last one")];
    const stream = Buffer.concat(datagrams.map(encodeDatagram));
    for (const step of [1, 3, 1000, stream.length]) {
      const got: Buffer[] = [];
      const decoder = new DatagramDecoder((d) => got.push(Buffer.from(d)));
      for (let i = 0; i < stream.length; i += step) decoder.push(stream.subarray(i, i + step));
      expect(got).toEqual(datagrams);
    }
  });

  it("refuses a datagram larger than UDP allows", () => {
    expect(() => encodeDatagram(Buffer.alloc(65536))).toThrow(/larger than UDP allows/);
  });
});
