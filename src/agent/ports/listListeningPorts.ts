import { readdir, readFile, readlink } from "node:fs/promises";
import type { ListeningPort } from "../../sdk/schemas/agentProtocol.js";
import { parseProcNetTcp } from "./procNetTcp.js";

/**
 * The TCP ports listening inside the workspace, from /proc/net/tcp and tcp6,
 * with the name of the process that holds each socket where its /proc/<pid>/fd
 * is readable (processes of other users usually are not: their name stays "").
 */
export async function listListeningPorts(procRoot = "/proc"): Promise<ListeningPort[]> {
  const ports: ListeningPort[] = [];
  const byInode = new Map<number, ListeningPort>();
  const seen = new Set<string>();
  for (const network of ["tcp", "tcp6"] as const) {
    const text = await readFile(`${procRoot}/net/${network}`, "utf8").catch(() => "");
    for (const socket of parseProcNetTcp(text)) {
      // A port bound on several addresses (127.0.0.1 and ::1) is listed once per network.
      const key = `${network}:${socket.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const port: ListeningPort = { port: socket.port, network, process_name: "" };
      ports.push(port);
      byInode.set(socket.inode, port);
    }
  }
  if (byInode.size > 0) await nameProcesses(procRoot, byInode);
  return ports.sort((a, b) => a.port - b.port || a.network.localeCompare(b.network));
}

/** Finds which process holds each socket inode by reading the /proc/<pid>/fd links ("socket:[inode]"). */
async function nameProcesses(procRoot: string, byInode: Map<number, ListeningPort>): Promise<void> {
  const pids = (await readdir(procRoot).catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  let unnamed = byInode.size;
  for (const pid of pids) {
    if (unnamed === 0) return;
    const fds = await readdir(`${procRoot}/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => "");
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (!match) continue;
      const port = byInode.get(Number(match[1]));
      if (!port || port.process_name) continue;
      port.process_name = (await readFile(`${procRoot}/${pid}/comm`, "utf8").catch(() => "")).trim();
      if (port.process_name) unnamed--;
    }
  }
}
