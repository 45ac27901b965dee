/** pino's levels. A plain list, not a zod enum: zod stays out of the agent (see parseManifest.ts). */
export const agentLogLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type AgentLogLevel = (typeof agentLogLevels)[number];

/** The settings of `den agent`; nothing else in the agent reads process.env for them. */
export type AgentConfig = { url: string; token: string; logLevel: AgentLogLevel };

export class AgentConfigError extends Error {
  override name = "AgentConfigError";
}

/**
 * Reads DEN_AGENT_URL and DEN_AGENT_TOKEN (the driver that started the
 * agent sets them) and the log level (--log-level or DEN_AGENT_LOG_LEVEL).
 * The token is never taken from a flag: command lines are visible to every
 * process in the workspace.
 */
export function loadAgentConfig(flags: { logLevel?: string }, env: NodeJS.ProcessEnv): AgentConfig {
  const url = env.DEN_AGENT_URL?.trim() ?? "";
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw new AgentConfigError(`DEN_AGENT_URL: must be the server's http:// or https:// URL, got ${JSON.stringify(url)}`);
  }
  const token = env.DEN_AGENT_TOKEN?.trim() ?? "";
  if (!token) throw new AgentConfigError("DEN_AGENT_TOKEN: must be set to the agent token of the workspace's build");
  const level = flags.logLevel ?? env.DEN_AGENT_LOG_LEVEL ?? "info";
  if (!(agentLogLevels as readonly string[]).includes(level)) {
    const from = flags.logLevel !== undefined ? "--log-level" : "DEN_AGENT_LOG_LEVEL";
    throw new AgentConfigError(`${from}: must be one of ${agentLogLevels.join(", ")}, got ${JSON.stringify(level)}`);
  }
  return { url, token, logLevel: level as AgentLogLevel };
}
