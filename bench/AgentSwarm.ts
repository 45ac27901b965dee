// Many simulated agents (bench/SimulatedAgent.ts) in one child process, driven
// over IPC by bench/scale.ts. The benchmark runs a few of these so that the
// agents' side of the load spreads over both cores, apart from the server
// it measures.
import { fork, type ChildProcess } from "node:child_process";
import { pathToFileURL } from "node:url";
import { countingLogger, newAgentEvents, SimulatedAgent, type AgentEvents } from "./SimulatedAgent.js";

type Request = { type: "start"; url: string; tokens: string[]; deadlineMs: number } | { type: "events" } | { type: "stop" };

/** How a start went: milliseconds to each agent's first manifest and to its `ready` acknowledged; agents not ready by the deadline. */
export type SwarmStart = { manifestMs: number[]; readyMs: number[]; notReady: number };
export type SwarmEvents = { events: AgentEvents; connected: number };

type Reply = ({ type: "started" } & SwarmStart) | ({ type: "events" } & SwarmEvents) | { type: "stopped" };

/** The parent's handle on one swarm process. */
export class AgentSwarm {
  private constructor(private readonly child: ChildProcess) {}

  static spawn(): AgentSwarm {
    const child = fork(import.meta.filename, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    return new AgentSwarm(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Dials all `tokens` at once (like agents reconnecting after a server restart) and waits until each is ready or the deadline passes. */
  start(url: string, tokens: string[], deadlineMs: number): Promise<SwarmStart> {
    return this.ask({ type: "start", url, tokens, deadlineMs }, "started");
  }

  events(): Promise<SwarmEvents> {
    return this.ask({ type: "events" }, "events");
  }

  /** Closes every agent's connection. */
  stop(): Promise<unknown> {
    return this.ask({ type: "stop" }, "stopped");
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }

  private ask<T extends Reply["type"]>(request: Request, answer: T): Promise<Extract<Reply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        if (reply.type !== answer) return;
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        resolve(reply as Extract<Reply, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`the agent swarm exited (${code}) before answering ${request.type}`));
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      this.child.send(request);
    });
  }
}

/** The swarm process: answers the parent's requests until it is killed. */
function serveSwarm(): void {
  const events = newAgentEvents();
  const log = countingLogger(events);
  let agents: SimulatedAgent[] = [];
  const reply = (message: Reply) => process.send!(message);
  process.on("message", (request: Request) => {
    if (request.type === "start") {
      agents = request.tokens.map((token) => new SimulatedAgent(request.url, token, log));
      for (const agent of agents) agent.start();
      const readyMs: number[] = [];
      let deadline: NodeJS.Timeout | undefined;
      let answered = false;
      const finish = () => {
        if (answered) return;
        answered = true;
        clearTimeout(deadline);
        reply({ type: "started", manifestMs: agents.flatMap((a) => (a.manifestMs === undefined ? [] : [a.manifestMs])), readyMs, notReady: agents.length - readyMs.length });
      };
      deadline = setTimeout(finish, request.deadlineMs);
      let waiting = agents.length;
      for (const agent of agents) {
        void agent.ready.then((ms) => {
          readyMs.push(ms);
          if (--waiting === 0) finish();
        });
      }
    } else if (request.type === "events") {
      reply({ type: "events", events: { ...events }, connected: agents.filter((a) => a.isConnected).length });
    } else {
      for (const agent of agents) agent.close();
      agents = [];
      reply({ type: "stopped" });
    }
  });
  process.on("disconnect", () => process.exit(0));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) serveSwarm();
