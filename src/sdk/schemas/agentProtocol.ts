import { z } from "zod";

/**
 * The agent protocol: what travels on the tunnel's RPC stream (JSON lines,
 * see src/tunnel/rpcChannel.ts) between the server and `den agent`.
 *
 * Server → agent: `manifest` (notification, sent first and again on change).
 * Agent → server: `lifecycle`, `logs`, `metadata`, `stats`, `appHealth`
 * (requests; the server answers null once stored).
 */
export const AGENT_TOKEN_HEADER = "Den-Agent-Token";

export const LifecycleState = z.enum([
  "created",
  "starting",
  "ready",
  "start_error",
  "start_timeout",
  "shutting_down",
  "off",
  "shutdown_error",
  "shutdown_timeout",
]);
export type LifecycleState = z.infer<typeof LifecycleState>;

export const AgentConnectionStatus = z.enum(["connecting", "connected", "disconnected", "timeout"]);
export type AgentConnectionStatus = z.infer<typeof AgentConnectionStatus>;

export const AgentScript = z.object({
  name: z.string(),
  run_on: z.enum(["start", "stop", "cron"]),
  cron: z.string().optional(),
  script: z.string(),
  blocks_login: z.boolean().default(false),
  /** Seconds; 0 = no limit. */
  timeout: z.number().int().min(0).default(0),
});
export type AgentScript = z.infer<typeof AgentScript>;

export const AgentMetadataSpec = z.object({
  key: z.string(),
  display_name: z.string(),
  script: z.string(),
  interval: z.number().int().min(1),
  timeout: z.number().int().min(1).default(5),
});
export type AgentMetadataSpec = z.infer<typeof AgentMetadataSpec>;

export const AgentAppSpec = z.object({
  slug: z.string(),
  display_name: z.string().optional(),
  icon: z.string().optional(),
  url: z.string().optional(),
  command: z.string().optional(),
  external: z.string().optional(),
  subdomain: z.boolean().default(false),
  share: z.enum(["owner", "authenticated", "public"]).default("owner"),
  healthcheck: z.object({ url: z.string(), interval: z.number().int().min(1), threshold: z.number().int().min(1) }).optional(),
  hidden: z.boolean().default(false),
  order: z.number().int().optional(),
});
export type AgentAppSpec = z.infer<typeof AgentAppSpec>;

export const AgentManifest = z.object({
  agent_id: z.string(),
  agent_name: z.string(),
  workspace_id: z.string(),
  workspace_name: z.string(),
  owner_name: z.string(),
  owner_email: z.string(),
  directory: z.string(),
  env: z.record(z.string(), z.string()),
  scripts: z.array(AgentScript),
  metadata: z.array(AgentMetadataSpec),
  apps: z.array(AgentAppSpec),
  /** OpenSSH-format private key; the same for every build of the workspace. */
  ssh_host_key: z.string(),
  /** Detached reconnecting PTYs end after this many seconds. */
  pty_idle_timeout: z.number().int().min(1),
});
export type AgentManifest = z.infer<typeof AgentManifest>;

export const LifecycleUpdate = z.object({
  state: LifecycleState,
  /** For start_error: the failing script, its exit code and the tail of its output. */
  detail: z.string().max(8192).optional(),
});

export const AgentLogEntry = z.object({
  source: z.string().max(128),
  level: z.enum(["debug", "info", "warn", "error"]),
  output: z.string().max(8192),
  time: z.iso.datetime({ offset: true }),
});
export type AgentLogEntry = z.infer<typeof AgentLogEntry>;
export const AgentLogsBatch = z.object({ logs: z.array(AgentLogEntry).max(1000) });

export const MetadataResult = z.object({
  key: z.string(),
  value: z.string().max(4096),
  error: z.string().max(1024).default(""),
  collected_at: z.iso.datetime({ offset: true }),
});
export type MetadataResult = z.infer<typeof MetadataResult>;
export const MetadataBatch = z.object({ results: z.array(MetadataResult).max(100) });

export const SessionType = z.enum(["ssh", "vscode", "pty", "port-forward"]);
export const AgentStats = z.object({
  sessions: z.record(SessionType, z.number().int().min(0)),
  rx_bytes: z.number().min(0),
  tx_bytes: z.number().min(0),
  collected_at: z.iso.datetime({ offset: true }),
});
export type AgentStats = z.infer<typeof AgentStats>;

export const AppHealth = z.enum(["disabled", "initializing", "healthy", "unhealthy"]);
export const AppHealthBatch = z.object({ apps: z.record(z.string(), AppHealth) });

export const ListeningPort = z.object({ port: z.number().int(), network: z.enum(["tcp", "tcp6"]), process_name: z.string() });
export type ListeningPort = z.infer<typeof ListeningPort>;

/** Frames a PTY client sends (text, JSON); the server sends raw output as binary frames. */
export const PtyClientFrame = z.object({
  data: z.string().optional(),
  height: z.number().int().min(1).max(1000).optional(),
  width: z.number().int().min(1).max(1000).optional(),
});
export type PtyClientFrame = z.infer<typeof PtyClientFrame>;
