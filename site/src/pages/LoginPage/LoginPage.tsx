import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { useDenClient } from "../../api/ClientContext.tsx";
import { ErrorBox } from "../../components/QueryState.tsx";
import { isServerPath, safeRedirect } from "../../modules/safeRedirect.ts";

/** Log in with email and password; afterwards go back to where the person was (same origin only). */
export function LoginPage() {
  const client = useDenClient();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation({
    mutationFn: async () => {
      await client.users.login({ email, password });
      client.http.token = undefined;
    },
    onSuccess: () => {
      // Whatever was cached belonged to no one (401s): start afresh.
      queryClient.clear();
      const target = safeRedirect(params.get("redirect"));
      // The server answers API paths and path apps itself: load them, the router knows nothing of them.
      if (isServerPath(target)) window.location.replace(target);
      else void navigate(target, { replace: true });
    },
  });
  // A fresh server has nobody to log in as: set it up first.
  const first = useQuery({ queryKey: ["users", "first"], queryFn: () => client.users.firstUserExists() });
  if (first.data === false) return <Navigate to="/setup" replace />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  return (
    <main className="page narrow">
      <h1>Log in to Den</h1>
      {/* Besides an unreachable server, this public request fails when the server refuses the browser's cookies (conflicting session cookies, which an app may have planted): say why. */}
      {first.isError ? <ErrorBox error={first.error} /> : null}
      <form onSubmit={submit} className="card">
        <div className="field">
          <label htmlFor="login-email">Email</label>
          <input id="login-email" type="email" required autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input id="login-password" type="password" required autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        {login.isError ? <ErrorBox error={login.error} /> : null}
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? "Logging in…" : "Log in"}
        </button>
      </form>
    </main>
  );
}
