/** One socket line of /proc/net/tcp or /proc/net/tcp6 that is in the LISTEN state. */
export type ListeningSocket = { port: number; inode: number };

/** The kernel's TCP_LISTEN state, as /proc/net/tcp prints it (hex). */
const TCP_LISTEN = "0A";

/**
 * Parses the text of /proc/net/tcp or /proc/net/tcp6 (proc(5)) and returns
 * the listening sockets. Fields are: sl, local_address (hex ip:port),
 * rem_address, st, tx_queue:rx_queue, tr:tm->when, retrnsmt, uid, timeout,
 * inode, … Lines that do not parse are skipped: the format is the kernel's,
 * and one odd line must not hide every port.
 */
export function parseProcNetTcp(text: string): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
    const local = fields[1]!;
    const colon = local.lastIndexOf(":");
    if (colon < 0) continue;
    const port = parseInt(local.slice(colon + 1), 16);
    const inode = Number(fields[9]);
    if (!Number.isInteger(port) || port <= 0 || port > 65535 || !Number.isInteger(inode)) continue;
    sockets.push({ port, inode });
  }
  return sockets;
}
