import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { useDenClient } from "../api/ClientContext.tsx";
import { isUnauthenticated } from "../api/errorMessage.ts";
import { hasRole, useMe } from "../api/useMe.ts";
import { ErrorBox } from "./QueryState.tsx";

/**
 * The frame of every logged-in page. Without a session it sends the person
 * to the set-up page (no user yet) or to the login page, which brings them
 * back here afterwards.
 */
export function Layout() {
  const client = useDenClient();
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!isUnauthenticated(me.error) || me.isFetching) return;
    let cancelled = false;
    const here = location.pathname + location.search;
    void client.users.firstUserExists().then(
      (exists) => {
        if (cancelled) return;
        if (!exists) void navigate("/setup", { replace: true });
        else void navigate(`/login?redirect=${encodeURIComponent(here)}`, { replace: true });
      },
      () => !cancelled && void navigate(`/login?redirect=${encodeURIComponent(here)}`, { replace: true }),
    );
    return () => {
      cancelled = true;
    };
  }, [me.error, me.isFetching, client, navigate, location.pathname, location.search]);

  if (me.isPending || isUnauthenticated(me.error)) return <p className="muted page">Loading…</p>;
  if (me.isError) return <main className="page"><ErrorBox error={me.error} what="your account" /></main>;
  const user = me.data;

  const logout = async () => {
    await client.users.logout().catch(() => undefined);
    queryClient.clear();
    void navigate("/login");
  };

  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <strong className="brand">Den</strong>
        <nav aria-label="Main">
          <NavLink to="/workspaces">Workspaces</NavLink>
          <NavLink to="/templates">Templates</NavLink>
          {hasRole(user, "user-admin") ? <NavLink to="/users">Users</NavLink> : null}
          {hasRole(user, "auditor") ? <NavLink to="/audit">Audit</NavLink> : null}
          {hasRole(user) ? <NavLink to="/deployment">Deployment</NavLink> : null}
        </nav>
        <span className="spacer" />
        <NavLink to="/account">{user.username}</NavLink>
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <main id="main" className="page">
        <Outlet />
      </main>
    </>
  );
}
