import type { Workspace, WorkspaceAgent } from "../../../../src/sdk/schemas/workspaces.js";
import { errorMessage } from "../../api/errorMessage.ts";
import { useAppsHost } from "../../api/useAppsHost.ts";
import { appTarget, healthTitle, iconSource, visibleApps, type AppTarget, type WorkspaceApp } from "../../modules/apps/appUrls.ts";

/**
 * One button per app of the agent that is not hidden, in the template's
 * order, with its icon and health. A button that cannot open says why, in
 * its title and once below the buttons.
 */
export function AppButtons({ ws, agent }: { ws: Workspace; agent: WorkspaceAgent }) {
  const apps = visibleApps(agent.apps);
  // Only url apps depend on how the server serves apps.
  const appsHost = useAppsHost(apps.some((app) => app.url !== undefined));
  const ctx = {
    owner: ws.owner_name,
    workspace: ws.name,
    agent: agent.name,
    reachable: ws.status === "running" && agent.status === "connected",
    appsHost: appsHost.data,
    appsHostError: appsHost.isError ? errorMessage(appsHost.error) : undefined,
    scheme: window.location.protocol,
  };
  const targets = apps.map((app) => ({ app, target: appTarget(app, ctx) }));
  const reasons = [...new Set(targets.flatMap(({ target }) => (target.kind === "disabled" ? [target.reason] : [])))];
  return (
    <>
      {targets.map(({ app, target }) => (
        <AppButton key={app.slug} app={app} target={target} />
      ))}
      {reasons.length > 0 ? (
        <ul className="app-reasons muted" aria-label="Why some apps cannot open">
          {reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

function AppButton({ app, target }: { app: WorkspaceApp; target: AppTarget }) {
  const icon = iconSource(app.icon);
  const health = healthTitle(app.health);
  const content = (
    <>
      {icon ? <img className="app-icon" src={icon} alt="" width={16} height={16} onError={(event) => (event.currentTarget.hidden = true)} /> : null}
      {app.display_name}
      {health ? <span className={`health-dot health-${app.health}`} role="img" aria-label={health} title={health} /> : null}
    </>
  );
  if (target.kind === "disabled") {
    return (
      <span className="button app" data-app={app.slug} data-health={app.health} aria-disabled="true" title={target.reason}>
        {content}
      </span>
    );
  }
  const href = target.kind === "link" ? target.href : target.to;
  const newTab = target.kind === "terminal" || target.newTab;
  return (
    <a
      className="button app"
      data-app={app.slug}
      data-health={app.health}
      href={href}
      title={health}
      // A new tab must not get a handle on the dashboard (window.opener) nor learn where it came from.
      {...(newTab ? { target: "_blank", rel: "noopener noreferrer" } : { rel: "noreferrer" })}
    >
      {content}
    </a>
  );
}
