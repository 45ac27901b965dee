import { lazy, Suspense } from "react";
import { createBrowserRouter, Navigate } from "react-router";
import { Layout } from "./components/Layout.tsx";
import { AccountPage } from "./pages/AccountPage/AccountPage.tsx";
import { AuditPage } from "./pages/AuditPage/AuditPage.tsx";
import { CreateWorkspacePage } from "./pages/CreateWorkspacePage/CreateWorkspacePage.tsx";
import { DeploymentPage } from "./pages/DeploymentPage/DeploymentPage.tsx";
import { LoginPage } from "./pages/LoginPage/LoginPage.tsx";
import { NotFoundPage } from "./pages/NotFoundPage/NotFoundPage.tsx";
import { SetupPage } from "./pages/SetupPage/SetupPage.tsx";
import { TemplatePage } from "./pages/TemplatePage/TemplatePage.tsx";
import { TemplatesPage } from "./pages/TemplatesPage/TemplatesPage.tsx";
import { UsersPage } from "./pages/UsersPage/UsersPage.tsx";
import { WorkspacePage } from "./pages/WorkspacePage/WorkspacePage.tsx";
import { WorkspacesPage } from "./pages/WorkspacesPage/WorkspacesPage.tsx";

// xterm is most of the dashboard's weight: it loads only when a terminal opens.
const TerminalPage = lazy(() => import("./pages/TerminalPage/TerminalPage.tsx").then((m) => ({ default: m.TerminalPage })));

/**
 * The dashboard's URLs. `/@<user>/<workspace>` cannot be a route pattern
 * ("@" inside a segment), so the two-segment route takes any first segment
 * and the page checks the "@".
 */
export function createAppRouter() {
  return createBrowserRouter([
    { path: "/setup", element: <SetupPage /> },
    { path: "/login", element: <LoginPage /> },
    {
      element: <Layout />,
      children: [
        { path: "/", element: <Navigate to="/workspaces" replace /> },
        { path: "/workspaces", element: <WorkspacesPage /> },
        { path: "/workspaces/new", element: <CreateWorkspacePage /> },
        { path: "/templates", element: <TemplatesPage /> },
        { path: "/templates/:name", element: <TemplatePage /> },
        { path: "/users", element: <UsersPage /> },
        { path: "/audit", element: <AuditPage /> },
        { path: "/account", element: <AccountPage /> },
        { path: "/deployment", element: <DeploymentPage /> },
        { path: "/:user/:workspace", element: <WorkspacePage /> },
        { path: "*", element: <NotFoundPage /> },
      ],
    },
    {
      path: "/:user/:target/terminal",
      element: (
        <Suspense fallback={<p className="muted page">Loading the terminal…</p>}>
          <TerminalPage />
        </Suspense>
      ),
    },
  ]);
}
