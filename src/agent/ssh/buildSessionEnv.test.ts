import { describe, expect, it } from "vitest";
import { buildSessionEnv } from "./buildSessionEnv.js";

const account = { user: "dev", home: "/home/dev", shell: "/bin/zsh" };

describe("buildSessionEnv", () => {
  it("inherits the agent's environment without its credentials or terminal, then layers workspace, client and session values", () => {
    const env = buildSessionEnv({
      inherited: { PATH: "/opt/bin", LANG: "C.UTF-8", DEN_AGENT_TOKEN: "secret", DEN_AGENT_URL: "https://den", TERM: "dumb", SSH_AUTH_SOCK: "/agent", HOME: "/root" },
      account,
      base: { DEN: "true", DEN_WORKSPACE_NAME: "ws", DEN_AGENT_NAME: "main" },
      requested: { DEN_WORKSPACE_NAME: "client", LC_ALL: "C" },
      term: "xterm-256color",
      authSock: "/tmp/den-ssh-agent-x/agent.sock",
    });
    expect(env).toEqual({
      PATH: "/opt/bin",
      LANG: "C.UTF-8",
      HOME: "/home/dev",
      USER: "dev",
      LOGNAME: "dev",
      SHELL: "/bin/zsh",
      SSH_CLIENT: "127.0.0.1 0 0",
      SSH_CONNECTION: "127.0.0.1 0 127.0.0.1 0",
      DEN: "true",
      DEN_WORKSPACE_NAME: "client",
      DEN_AGENT_NAME: "main",
      LC_ALL: "C",
      TERM: "xterm-256color",
      SSH_AUTH_SOCK: "/tmp/den-ssh-agent-x/agent.sock",
    });
  });

  it("gives a default PATH and no TERM or agent socket when there are none", () => {
    const env = buildSessionEnv({ inherited: {}, account, base: {}, requested: {} });
    expect(env.PATH).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect(env).not.toHaveProperty("TERM");
    expect(env).not.toHaveProperty("SSH_AUTH_SOCK");
  });
});
