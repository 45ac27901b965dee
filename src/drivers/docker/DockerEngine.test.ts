import { describe, expect, it } from "vitest";
import { parseDockerHost } from "./DockerEngine.js";

describe("parseDockerHost", () => {
  it("reads unix, tcp and ssh hosts", () => {
    expect(parseDockerHost("unix:///run/docker.sock")).toEqual({ socketPath: "/run/docker.sock" });
    expect(parseDockerHost("unix://")).toEqual({ socketPath: "/var/run/docker.sock" });
    expect(parseDockerHost("tcp://10.0.0.5:2376")).toEqual({ host: "10.0.0.5", port: 2376 });
    expect(parseDockerHost("ssh://box")).toEqual({ ssh: { host: "box" } });
    expect(parseDockerHost("ssh://deploy@box.example.com:2222")).toEqual({ ssh: { user: "deploy", host: "box.example.com", port: 2222 } });
    expect(parseDockerHost("ssh://root@[::1]:22/")).toEqual({ ssh: { user: "root", host: "::1", port: 22 } });
  });

  it("refuses what ssh cannot take, saying why", () => {
    expect(() => parseDockerHost("ssh://me:secret@box")).toThrow("a password in the URL is not supported");
    expect(() => parseDockerHost("ssh://box/var/run/docker.sock")).toThrow("nothing may follow the host and port");
    expect(() => parseDockerHost("ssh://-oProxyCommand=evil")).toThrow("may not start with -");
    expect(() => parseDockerHost("ssh://")).toThrow(/the host is missing|not a valid URL/);
    expect(() => parseDockerHost("npipe:////./pipe/docker_engine")).toThrow("must be unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port]");
  });
});
