import type { ResourceState } from "../drivers/driver.js";

/**
 * What a provisioner daemon needs from the outside world. The server
 * implements it on PostgreSQL for in-process daemons, and over its HTTP API
 * for external ones (`den provisioner start`); the daemon cannot tell which.
 */
export type JobLog = { level: "debug" | "info" | "warn" | "error"; stage: string; output: string; time: string };

export type WorkspaceInfo = { id: string; name: string; ownerId: string; ownerName: string; ownerEmail: string };

export type ImportJob = {
  id: string;
  type: "template_version_import";
  templateVersionId: string;
  /** The template archive (tar, optionally gzipped), base64 when it crossed HTTP. */
  archive: Uint8Array;
};

export type BuildJob = {
  id: string;
  type: "workspace_build";
  buildId: string;
  buildNumber: number;
  transition: "start" | "stop" | "delete";
  workspace: WorkspaceInfo;
  /** The parsed den.yaml of the build's template version (a TemplateSpec). */
  spec: unknown;
  /** Parameter values of this build, name → string form. */
  parameters: Record<string, string>;
  /** What exists before the build: the state left by the build before it. */
  state: ResourceState[];
};

export type AcquiredJob = ImportJob | BuildJob;

/** An agent declared in the template, evaluated for this build. */
export type AgentRegistration = {
  name: string;
  resource: string;
  /** The evaluated agent declaration (dir, env, scripts, apps, metadata). */
  spec: Record<string, unknown>;
};

/** Returned once per agent and build: the only time the token is seen in clear. */
export type AgentCredential = { id: string; name: string; token: string };

export type ImportResult = { spec: unknown; readme: string };

export interface JobSource {
  /** Waits for a job and claims it; null when `signal` aborts first. */
  acquire(workerId: string, signal: AbortSignal): Promise<AcquiredJob | null>;
  /** Keeps the claim alive; answers whether the job was asked to cancel. */
  heartbeat(jobId: string): Promise<{ canceled: boolean }>;
  appendLogs(jobId: string, logs: JobLog[]): Promise<void>;
  /** Stores the state as resources are created and destroyed, so a crash orphans nothing. */
  recordState(jobId: string, state: ResourceState[]): Promise<void>;
  /** Creates this build's agent rows with fresh tokens. */
  registerAgents(jobId: string, agents: AgentRegistration[]): Promise<AgentCredential[]>;
  /** The template archive of a build job's template version (tar, optionally gzipped), for drivers that build from its files. */
  templateArchive(jobId: string): Promise<Uint8Array>;
  completeImport(jobId: string, result: ImportResult): Promise<void>;
  completeBuild(jobId: string, state: ResourceState[]): Promise<void>;
  /** Ends the job as failed, or as canceled when `canceled` is set. */
  failJob(jobId: string, error: string, opts?: { canceled?: boolean; state?: ResourceState[] }): Promise<void>;
}
