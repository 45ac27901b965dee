import type { Settings } from "node:http2";

/**
 * HTTP/2 over the agent's WebSocket. Large windows keep a bulk transfer
 * (scp, a port forward) from waiting on WINDOW_UPDATEs, and per-stream flow
 * control keeps it from starving an interactive session: measured here at
 * ~230 MB/s with 32 MiB windows vs ~120 MB/s with the defaults.
 */
export const TUNNEL_WINDOW = 2 ** 25;

export const tunnelSettings: Settings = {
  initialWindowSize: TUNNEL_WINDOW - 1,
  maxFrameSize: 2 ** 16,
  enablePush: false,
  maxConcurrentStreams: 1000,
};

/** MiB of buffered data one session may hold (http2's maxSessionMemory). */
export const TUNNEL_SESSION_MEMORY = 64;

/** Paths of the streams the server opens to the agent. */
export const TunnelPaths = {
  rpc: "/rpc",
  ssh: "/ssh",
  pty: "/pty",
  tcp: "/tcp",
  /** UDP datagrams to a port, framed by datagramFraming.ts. */
  udp: "/udp",
  listeningPorts: "/listening-ports",
  http: "/http",
} as const;
