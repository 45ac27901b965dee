import { describe, expect, it } from "vitest";
import { parseProcNetTcp } from "./procNetTcp.js";

const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 276344 1 00000000d7d160f6 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000060a8d928 100 0 0 10 0
   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 999 1 000000003ff4ffab 20 4 30 10 -1
   3: garbage
`;

const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
`;

describe("parseProcNetTcp", () => {
  it("keeps only LISTEN sockets, with the port decoded from hex and the inode", () => {
    expect(parseProcNetTcp(tcp)).toEqual([
      { port: 8080, inode: 276344 },
      { port: 22, inode: 12345 },
    ]);
  });

  it("reads IPv6 addresses", () => {
    expect(parseProcNetTcp(tcp6)).toEqual([{ port: 3000, inode: 4242 }]);
  });

  it("returns nothing for an empty or header-only file", () => {
    expect(parseProcNetTcp("")).toEqual([]);
    expect(parseProcNetTcp(tcp6.split("\n")[0]!)).toEqual([]);
  });
});
