import type { Command } from "commander";
import type { Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import type { DenClient } from "../../sdk/client/DenClient.js";
import { openAgentRelay, type Relay } from "../agentConnection.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { parsePortForwardSpec, type PortForwardSpec } from "../forwardSpec.js";
import { listenUdp } from "../forwardUdp.js";
import { parseDuration } from "../parseDuration.js";
import { waitForAgent } from "../waitForAgent.js";
import { SSH_TARGET_ARGUMENT } from "./ssh.js";

type PortForwardOptions = { tcp: PortForwardSpec[]; udp: PortForwardSpec[]; waitTimeout: string };

export function portForwardCommand(program: Command, io: CliIo): void {
  program
    .command("port-forward")
    .summary("Forward local ports to ports inside a workspace.")
    .description(
      "Listens on local ports; each connection is carried through the server to the workspace's agent, " +
        "which connects to the port on 127.0.0.1 inside the workspace. Runs until interrupted (Ctrl-C).",
    )
    .argument("<workspace>", SSH_TARGET_ARGUMENT)
    .option("--tcp <spec>", "[BIND:]LOCAL:REMOTE, e.g. 8080:80 (BIND defaults to 127.0.0.1; repeatable)", (text: string, prev: PortForwardSpec[]) => [...prev, parsePortForwardSpec("--tcp", text)], [])
    .option("--udp <spec>", "[BIND:]LOCAL:REMOTE for UDP; each local peer gets its own flow (repeatable)", (text: string, prev: PortForwardSpec[]) => [...prev, parsePortForwardSpec("--udp", text)], [])
    .option("--wait-timeout <duration>", "how long to wait for the agent to connect", "5m")
    .addHelpText("after", "\nExamples:\n  $ den port-forward dev --tcp 8080:8080\n  $ den port-forward dev --tcp 0.0.0.0:3000:3000 --tcp 5432:5432")
    .action(async (target: string, opts: PortForwardOptions, cmd: Command) => {
      if (opts.tcp.length === 0 && opts.udp.length === 0) throw new CliError("nothing to forward: give at least one --tcp or --udp [BIND:]LOCAL:REMOTE");
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      let timeoutMs: number;
      try {
        timeoutMs = parseDuration(opts.waitTimeout) * 1000;
      } catch (err) {
        throw new CliError(`--wait-timeout: ${(err as Error).message}`);
      }
      const { workspace, agent } = await waitForAgent(client, target, { wait: false, timeoutMs, progress: io.stderr });
      const note = (line: string) => io.stderr.write(`den: ${line}\n`);
      const servers: Array<Server | UdpSocket> = [];
      try {
        for (const spec of opts.tcp) {
          servers.push(await listen(spec, (socket) => forwardConnection(client, agent.id, spec, socket, note)));
          ctx.print(`Forwarding ${formatAddress(spec.bind, spec.localPort)} -> port ${spec.remotePort} in ${workspace.owner_name}/${workspace.name}\n`);
        }
        for (const spec of opts.udp) {
          servers.push(await listenUdp(client, agent.id, spec, note));
          ctx.print(`Forwarding udp ${formatAddress(spec.bind, spec.localPort)} -> udp port ${spec.remotePort} in ${workspace.owner_name}/${workspace.name}\n`);
        }
      } catch (err) {
        for (const server of servers) server.close();
        throw err;
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          for (const server of servers) server.close();
          resolve();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      // Open connections are cut: the user asked to stop.
      process.exit(0);
    });
}

function listen(spec: PortForwardSpec, onConnection: (socket: Socket) => void): Promise<Server> {
  // Half-open: a client that has sent everything may still be reading the answer.
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(new CliError(`--tcp ${formatAddress(spec.bind, spec.localPort)}: cannot listen: ${err.message}`)));
    server.listen(spec.localPort, spec.bind, () => {
      server.removeAllListeners("error");
      server.on("error", () => undefined);
      resolve(server);
    });
  });
}

/** One local connection: its own relay WebSocket, bytes both ways, each direction ending on its own. */
async function forwardConnection(client: DenClient, agentId: string, spec: PortForwardSpec, socket: Socket, note: (line: string) => void): Promise<void> {
  socket.setNoDelay(true);
  let relay: Relay;
  try {
    relay = await openAgentRelay(client, agentId, "tcp", { port: spec.remotePort });
  } catch (err) {
    note(`port ${spec.localPort} -> ${spec.remotePort}: ${(err as Error).message}`);
    return void socket.destroy();
  }
  const { stream } = relay;
  stream.on("error", () => socket.destroy());
  socket.on("error", () => stream.destroy());
  socket.on("close", () => stream.destroy());
  socket.pipe(stream);
  stream.pipe(socket);
  socket.resume();
  const error = await relay.ended;
  if (error) note(`port ${spec.localPort} -> ${spec.remotePort}: ${error.message}`);
}

function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
