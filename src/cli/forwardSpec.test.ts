import { describe, expect, it } from "vitest";
import { parseLocalForwardSpec, parsePortForwardSpec, parseRemoteForwardSpec } from "./forwardSpec.js";

describe("forward specs", () => {
  it("parses --tcp [BIND:]LOCAL:REMOTE, IPv6 in brackets", () => {
    expect(parsePortForwardSpec("--tcp", "8080:80")).toEqual({ bind: "127.0.0.1", localPort: 8080, remotePort: 80 });
    expect(parsePortForwardSpec("--tcp", "0.0.0.0:8080:80")).toEqual({ bind: "0.0.0.0", localPort: 8080, remotePort: 80 });
    expect(parsePortForwardSpec("--tcp", "[::1]:8080:80")).toEqual({ bind: "::1", localPort: 8080, remotePort: 80 });
  });

  it("parses -L and -R", () => {
    expect(parseLocalForwardSpec("8080:localhost:80")).toEqual({ bind: "127.0.0.1", localPort: 8080, host: "localhost", remotePort: 80 });
    expect(parseLocalForwardSpec("0.0.0.0:8080:db:5432")).toEqual({ bind: "0.0.0.0", localPort: 8080, host: "db", remotePort: 5432 });
    expect(parseRemoteForwardSpec("9000:localhost:3000")).toEqual({ remotePort: 9000, host: "localhost", localPort: 3000 });
  });

  it.each(["80", "a:80", "8080:0", "8080:65536", "8080:", "1:2:3:4", "[::1:8080:80"])("refuses --tcp %s naming the flag", (text) => {
    expect(() => parsePortForwardSpec("--tcp", text)).toThrow(/--tcp|address/);
  });

  it("refuses -L and -R without a host", () => {
    expect(() => parseLocalForwardSpec("8080:80")).toThrow(/-L "8080:80": use/);
    expect(() => parseRemoteForwardSpec("9000::3000")).toThrow(/-R "9000::3000": the host is empty/);
  });
});
