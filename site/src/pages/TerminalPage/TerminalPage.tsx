import { useQuery } from "@tanstack/react-query";
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useDenClient } from "../../api/ClientContext.tsx";
import { apiWebSocketUrl } from "../../api/denClient.ts";
import { ErrorBox } from "../../components/QueryState.tsx";
import { parseUserRef, workspaceUrl } from "../../modules/workspaceUrls.ts";

/**
 * The reconnect id of this tab's terminal on one agent. Kept in
 * sessionStorage: a reload resumes the same session (the agent replays its
 * scrollback), while another tab gets a session of its own.
 */
function reconnectId(key: string, fresh = false): string {
  const storageKey = `den-pty:${key}`;
  const existing = fresh ? null : sessionStorage.getItem(storageKey);
  if (existing) return existing;
  const id = crypto.randomUUID();
  sessionStorage.setItem(storageKey, id);
  return id;
}

type Banner = { kind: "info" | "error"; text: string } | undefined;

/**
 * `/@<user>/<workspace>.<agent>/terminal`: a full-window xterm on the agent's
 * reconnecting PTY. With `?app=<slug>` it runs that command app's command.
 * The page takes a slug, never a command: a link someone sends cannot make
 * the terminal run anything the template does not declare.
 */
export function TerminalPage() {
  const params = useParams();
  const [search] = useSearchParams();
  const appSlug = search.get("app") ?? undefined;
  const owner = parseUserRef(params.user);
  const dot = params.target?.lastIndexOf(".") ?? -1;
  const workspace = dot > 0 ? params.target!.slice(0, dot) : params.target;
  const agentName = dot > 0 ? params.target!.slice(dot + 1) : undefined;
  const client = useDenClient();
  const ws = useQuery({
    queryKey: ["workspace", owner, workspace],
    queryFn: () => client.workspaces.getByOwnerAndName(owner!, workspace!),
    enabled: !!owner && !!workspace,
  });
  if (!owner || !workspace) return <p className="error page">Not a terminal URL: use /@user/workspace.agent/terminal.</p>;
  if (ws.isPending) return <p className="muted page">Loading {workspace}…</p>;
  if (ws.isError) return <div className="page"><ErrorBox error={ws.error} what={`workspace ${owner}/${workspace}`} /></div>;
  const agent = agentName ? ws.data.agents.find((a) => a.name === agentName) : ws.data.agents[0];
  if (!agent) {
    return (
      <p className="error page">
        Workspace {workspace} has no agent {agentName ? `named "${agentName}"` : ""} in its latest build; is it running?{" "}
        <Link to={workspaceUrl(owner, workspace)}>Back to the workspace</Link>
      </p>
    );
  }
  const where = `${workspace}.${agent.name}`;
  if (appSlug === undefined) return <TerminalView agentId={agent.id} sessionKey={`${owner}/${where}`} title={where} back={workspaceUrl(owner, workspace)} />;
  const app = agent.apps.find((a) => a.slug === appSlug && a.command !== undefined);
  if (!app) {
    return (
      <p className="error page">
        Agent {agent.name} has no command app "{appSlug}". <Link to={workspaceUrl(owner, workspace)}>Back to the workspace</Link>
      </p>
    );
  }
  return (
    <TerminalView
      agentId={agent.id}
      sessionKey={`${owner}/${where}/app:${app.slug}`}
      title={`${app.display_name} on ${where}`}
      back={workspaceUrl(owner, workspace)}
      command={app.command}
    />
  );
}

function TerminalView({ agentId, sessionKey, title, back, command }: { agentId: string; sessionKey: string; title: string; back: string; command?: string }) {
  const client = useDenClient();
  const host = useRef<HTMLDivElement>(null);
  const [banner, setBanner] = useState<Banner>({ kind: "info", text: "Connecting…" });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    document.title = `${title} · Den`;
    const term = new Terminal({ cursorBlink: true, fontFamily: "ui-monospace, Menlo, Consolas, monospace", fontSize: 14, scrollback: 10_000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    fit.fit();
    term.focus();
    // Ctrl+Shift+C copies the selection; Ctrl+Shift+V and the browser's paste go through xterm's own paste handling.
    term.attachCustomKeyEventHandler((event) => {
      if (event.type === "keydown" && event.ctrlKey && event.shiftKey && event.code === "KeyC") {
        void navigator.clipboard?.writeText(term.getSelection());
        return false;
      }
      return true;
    });
    const id = reconnectId(sessionKey, generation > 0);
    let socket: WebSocket | undefined;
    let closed = false;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const send = (frame: { data?: string; width?: number; height?: number }) => {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    };
    const connect = () => {
      // A reconnect replays the agent's scrollback: start from a clean screen so nothing shows twice.
      term.reset();
      const query = { reconnect: id, width: term.cols, height: term.rows, ...(command === undefined ? {} : { command }) };
      const s = new WebSocket(apiWebSocketUrl(client, `/workspaceagents/${encodeURIComponent(agentId)}/pty`, query));
      s.binaryType = "arraybuffer";
      socket = s;
      s.onopen = () => {
        attempt = 0;
        setBanner(undefined);
      };
      s.onmessage = (event: MessageEvent<ArrayBuffer | string>) => term.write(typeof event.data === "string" ? event.data : new Uint8Array(event.data));
      s.onclose = (event) => {
        if (closed || socket !== s) return;
        if (event.code === 1000) {
          setBanner({ kind: "info", text: "The session ended (the shell exited)." });
          return;
        }
        if (event.code === 4401 || event.code === 4404) {
          setBanner({ kind: "error", text: event.reason || `Cannot open the terminal (${event.code}).` });
          return;
        }
        attempt++;
        const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
        setBanner({ kind: "error", text: `Connection lost${event.reason ? `: ${event.reason}` : ""}. Reconnecting to the same session in ${Math.round(delay / 1000)} s…` });
        timer = setTimeout(connect, delay);
      };
    };
    const input = term.onData((data) => send({ data }));
    const resized = term.onResize(({ cols, rows }) => send({ width: cols, height: rows }));
    const onWindowResize = () => fit.fit();
    window.addEventListener("resize", onWindowResize);
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      window.removeEventListener("resize", onWindowResize);
      input.dispose();
      resized.dispose();
      socket?.close();
      term.dispose();
    };
  }, [agentId, sessionKey, title, command, client, generation]);
  return (
    <div className="terminal-page">
      <header className="terminal-bar">
        <Link to={back}>← {title}</Link>
        {banner ? (
          <span role="status" className={banner.kind === "error" ? "banner banner-error" : "banner"}>
            {banner.text}
          </span>
        ) : null}
        <span className="spacer" />
        <button type="button" onClick={() => setGeneration((g) => g + 1)}>
          New session
        </button>
      </header>
      <div className="terminal-host" ref={host} data-testid="terminal" />
    </div>
  );
}
