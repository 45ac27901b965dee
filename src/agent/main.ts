import { pino, type Logger } from "pino";
import type { AgentManifest } from "../sdk/schemas/agentProtocol.js";
import { RpcChannel } from "../tunnel/rpcChannel.js";
import type { IncomingStream } from "../tunnel/serveTunnel.js";
import type { AgentConfig } from "./agentConfig.js";
import { createAgentBinDir } from "./agentBinDir.js";
import { AppHealthMonitor } from "./apps/AppHealthMonitor.js";
import type { Backoff } from "./backoff.js";
import { AgentConnection } from "./connection.js";
import { LoginGate } from "./LoginGate.js";
import { parseManifest } from "./parseManifest.js";
import { MetadataCollector } from "./metadata/MetadataCollector.js";
import { PtySessions } from "./pty/PtySessions.js";
import { createStreamRouter } from "./routeStream.js";
import { CronScheduler } from "./scripts/CronScheduler.js";
import { LogBatcher } from "./scripts/LogBatcher.js";
import { ScriptRunner, type LifecycleReport } from "./scripts/ScriptRunner.js";
import { ServerOutbox } from "./ServerOutbox.js";
import { SessionContext } from "./SessionContext.js";
import { SessionStats } from "./stats/SessionStats.js";

export type AgentOptions = {
  url: string;
  token: string;
  log: Logger;
  /** How sessions run the same `den` as the agent (e.g. [node, dist/den.js]): `den stat`, git hooks. */
  denCommand: string[];
  /** The environment sessions inherit; defaults to the agent's. */
  baseEnv?: NodeJS.ProcessEnv;
  loginWaitTimeoutMs?: number;
  statsIntervalMs?: number;
  backoff?: Backoff;
  refusedRetryMs?: number;
  /** How long a shutdown waits to tell the server (which may be restarting) about it. */
  shutdownReportTimeoutMs?: number;
};

export type RunningAgent = {
  /** Runs the stop scripts, reports `off` (or the failure), then closes everything. */
  shutdown(): Promise<void>;
  /** Closes everything at once, without stop scripts (tests). */
  close(): void;
};

/**
 * The agent's composition root: builds its parts, connects to the server,
 * and starts the workspace's scripts when the first manifest arrives.
 */
export function startAgent(opts: AgentOptions): RunningAgent {
  const { log } = opts;
  const bin = createAgentBinDir(opts.denCommand);
  const context = new SessionContext(opts.baseEnv ?? process.env, bin);
  const outbox = new ServerOutbox(log);
  const logs = new LogBatcher(outbox);
  const gate = new LoginGate();
  const stats = new SessionStats();
  const lifecycle = (report: LifecycleReport) => {
    log.info({ state: report.state, detail: report.detail }, "lifecycle");
    outbox.push("lifecycle", report);
  };
  const scripts = new ScriptRunner({ log, logs, gate, lifecycle, context: () => context.scripts() });
  const cron = new CronScheduler(
    (script) => scripts.runCron(script),
    (script, message) => logs.add(script.name, "error", message),
    log,
  );
  const metadata = new MetadataCollector({ outbox, log, context: () => context.scripts() });
  // Each report holds every app, so only the newest queued one matters.
  const appHealth = new AppHealthMonitor({ log, report: (apps) => outbox.pushLatest("appHealth", { apps }) });
  const ptys = new PtySessions({ log, stats, context: () => context.pty() });
  let stopping: Promise<void> | undefined;

  const applyManifest = (manifest: AgentManifest) => {
    const first = context.manifest === undefined;
    const problem = context.update(manifest);
    if (problem) logs.add("agent", "error", `the workspace directory: ${problem}; sessions start in HOME`);
    log.info({ agent: manifest.agent_name, workspace: manifest.workspace_name, first }, "manifest received");
    if (stopping) return;
    metadata.setSpecs(manifest.metadata);
    appHealth.setApps(manifest.apps);
    cron.setScripts(manifest.scripts);
    if (first) void scripts.runStart(manifest.scripts);
  };

  const onRpc = (incoming: IncomingStream) => {
    const channel = new RpcChannel(incoming.accept(), (method, params) => {
      if (method !== "manifest") throw new Error(`the agent has no method ${JSON.stringify(method)}`);
      let manifest: AgentManifest;
      try {
        manifest = parseManifest(params);
      } catch (err) {
        log.error({ err }, "the server sent an invalid manifest");
        throw new Error(`invalid manifest: ${(err as Error).message}`);
      }
      applyManifest(manifest);
      connection.connectionHealthy();
      return null;
    });
    outbox.attach(channel);
  };

  const connection = new AgentConnection({
    url: opts.url,
    token: opts.token,
    log,
    backoff: opts.backoff,
    refusedRetryMs: opts.refusedRetryMs,
    onStream: createStreamRouter({
      log,
      gate,
      loginWaitTimeoutMs: opts.loginWaitTimeoutMs ?? 5 * 60_000,
      context,
      ptys,
      stats,
      onRpc,
      isStopping: () => stopping !== undefined,
    }),
  });
  const statsTimer = setInterval(() => outbox.pushLatest("stats", stats.snapshot(connection.bytes)), opts.statsIntervalMs ?? 30_000);
  statsTimer.unref();
  connection.start();

  const close = () => {
    clearInterval(statsTimer);
    metadata.stop();
    appHealth.stop();
    cron.stop();
    scripts.cancel();
    ptys.closeAll();
    connection.close();
    bin.remove();
  };

  const shutdown = () => {
    stopping ??= (async () => {
      clearInterval(statsTimer);
      metadata.stop();
      appHealth.stop();
      cron.stop();
      const manifest = context.manifest;
      if (manifest) {
        lifecycle({ state: "shutting_down" });
        lifecycle(await scripts.runStop(manifest.scripts));
      } else scripts.cancel();
      logs.flush();
      if (!(await outbox.drained(opts.shutdownReportTimeoutMs ?? 10_000))) {
        log.warn({ pending: outbox.pending }, "could not report the shutdown to the server before exiting");
      }
      close();
    })();
    return stopping;
  };

  return { shutdown, close };
}

/** `den agent`: runs until SIGTERM or SIGINT, then runs the stop scripts and exits. */
export async function runAgent(config: AgentConfig): Promise<void> {
  const log = pino({ level: config.logLevel, base: { role: "agent" } }, pino.destination(2));
  // process.argv[1] is the `den` script this process runs (bin/den or dist/den.js).
  const agent = startAgent({ url: config.url, token: config.token, log, denCommand: [process.execPath, process.argv[1]!] });
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals > 1) {
        log.warn({ signal }, "second signal during shutdown: exiting now");
        process.exit(1);
      }
      log.info({ signal }, "stopping: running the stop scripts");
      void agent.shutdown().then(resolve);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  log.info("stopped");
  // Background processes that scripts started may hold pipes open; the agent's work is done.
  process.exit(0);
}
