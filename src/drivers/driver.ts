/**
 * The interface between the provisioner and the drivers that create and
 * destroy infrastructure. A driver knows nothing of the database: the
 * provisioner stores the ResourceState a driver hands back (through
 * BuildContext.recordState) and gives it back to exists() and destroy(),
 * possibly in another process after a restart.
 */

/** persistent: kept while the workspace is stopped; ephemeral: destroyed on stop (DESIGN.md, "Resources"). */
export type Lifetime = "persistent" | "ephemeral";

/** Values other resources and agents may refer to as `${{ resources.<name>.<output> }}`. */
export type Outputs = Record<string, string | number | boolean>;

/**
 * An agent that runs in a resource, with its per-build credential. The
 * provisioner passes them in ResourceRequest.agents; launching them is the
 * agent issue's work (issue 4), until then drivers ignore the list.
 */
export type AgentLaunch = { id: string; name: string; token: string };

export type ResourceRequest = {
  name: string;
  kind: string;
  lifetime: Lifetime;
  /** The resource's driver settings (every key but driver, kind, lifetime and depends_on), expressions already evaluated. */
  settings: Record<string, unknown>;
  /** The agents to launch inside this resource; see AgentLaunch. */
  agents?: readonly AgentLaunch[];
};

export type ResourceState = {
  name: string;
  driver: string;
  kind: string;
  lifetime: Lifetime;
  outputs: Outputs;
  /** Driver-private JSON, stored by the provisioner and handed back verbatim. */
  data: Record<string, unknown>;
};

export type BuildLogLevel = "debug" | "info" | "warn" | "error";

/** A file of the template folder, as it was pushed: its bytes and its mode (0o755 for a script). */
export type TemplateFile = { data: Uint8Array; mode: number };

export type BuildContext = {
  workspace: { id: string; name: string; ownerId: string; ownerName: string; ownerEmail: string };
  buildId: string;
  transition: "start" | "stop" | "delete";
  log(level: BuildLogLevel, text: string): void;
  /** Aborted when the build is canceled: stop promptly and leave the recorded state consistent. */
  signal: AbortSignal;
  /**
   * Stores the state of a resource. Drivers call it as soon as the object
   * exists, before waiting on it, so that a crash never orphans it.
   */
  recordState(state: ResourceState): Promise<void>;
  /**
   * The files of the template version being built (path relative to the
   * template folder → file), read from its archive on the first call. For
   * drivers that build from them (a docker image's Dockerfile); treat them
   * as read-only. Absent where there is no template (a driver's own tests).
   */
  templateFiles?: () => Promise<ReadonlyMap<string, TemplateFile>>;
};

/** A problem in a resource's settings; `path` is within the settings, e.g. "command.0" ("" for the settings as a whole). */
export type FieldIssue = { path: string; message: string };

export type DriverKind = {
  defaultLifetime: Lifetime;
  /**
   * Checks raw settings at template import. Values may still be `${{ … }}`
   * expression strings, which are accepted wherever a value may come from an expression.
   * `files` are the paths of the template's files, for settings that name one.
   */
  validate(settings: Record<string, unknown>, files?: ReadonlySet<string>): FieldIssue[];
};

export interface Driver {
  readonly name: string;
  readonly kinds: Record<string, DriverKind>;
  /** Creates the object, calls ctx.recordState as soon as it exists, and returns its final state. */
  create(ctx: BuildContext, req: ResourceRequest): Promise<ResourceState>;
  /** Whether the recorded object is still there (for a process: still running). */
  exists(state: ResourceState): Promise<boolean>;
  /** Destroys the recorded object. Idempotent: an object that is already gone is success. */
  destroy(ctx: BuildContext, state: ResourceState): Promise<void>;
  /** Releases what the driver keeps between calls (kept connections to a Docker engine); it may be used again after. */
  close?(): void;
}

/** Thrown by a driver that stopped because ctx.signal aborted (the build was canceled). */
export class DriverAbortError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AbortError";
  }
}
