import { describe, expect, it } from "vitest";
import { sessionType } from "./handleSession.js";
import { signalName } from "./startSessionProcess.js";

describe("sessionType", () => {
  it("recognises VS Code Remote-SSH's server bootstrap", () => {
    expect(sessionType('bash -c "~/.vscode-server/bin/abc/bin/code-server --start-server"')).toBe("vscode");
    expect(sessionType("sh -c 'if [ -d $HOME/.vscode-server ]; then …'")).toBe("vscode");
    expect(sessionType("echo vscode-server-insiders")).toBe("vscode");
    expect(sessionType("ls -la")).toBe("ssh");
    expect(sessionType(undefined)).toBe("ssh");
  });
});

describe("signalName", () => {
  it("accepts names with or without SIG and refuses unknown ones", () => {
    expect(signalName("TERM")).toBe("SIGTERM");
    expect(signalName("SIGINT")).toBe("SIGINT");
    expect(signalName("NOPE")).toBeUndefined();
    expect(signalName("")).toBeUndefined();
  });
});
