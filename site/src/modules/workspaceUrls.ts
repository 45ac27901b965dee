/** The shareable URLs of the dashboard, in one place so links and routes agree. */
export function workspaceUrl(owner: string, workspace: string): string {
  return `/@${encodeURIComponent(owner)}/${encodeURIComponent(workspace)}`;
}

export function terminalUrl(owner: string, workspace: string, agent: string): string {
  return `/@${encodeURIComponent(owner)}/${encodeURIComponent(workspace)}.${encodeURIComponent(agent)}/terminal`;
}

export function templateUrl(name: string): string {
  return `/templates/${encodeURIComponent(name)}`;
}

/** "@alice" → "alice"; anything not starting with "@" is not a user reference. */
export function parseUserRef(ref: string | undefined): string | undefined {
  return ref?.startsWith("@") && ref.length > 1 ? ref.slice(1) : undefined;
}
