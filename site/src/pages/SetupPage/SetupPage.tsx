import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Navigate, useNavigate } from "react-router";
import { useDenClient } from "../../api/ClientContext.tsx";
import { ErrorBox } from "../../components/QueryState.tsx";

/** The first visit to a fresh server: create the owner account, then log in as it. */
export function SetupPage() {
  const client = useDenClient();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const first = useQuery({ queryKey: ["users", "first"], queryFn: () => client.users.firstUserExists() });
  const [form, setForm] = useState({ username: "", email: "", password: "" });
  const create = useMutation({
    mutationFn: async () => {
      await client.users.createFirstUser(form);
      await client.users.login({ email: form.email, password: form.password });
      // The session lives in the cookie; the dashboard never keeps the token itself.
      client.http.token = undefined;
    },
    onSuccess: () => {
      queryClient.clear();
      void navigate("/templates", { replace: true });
    },
  });
  if (first.data === true && !create.isPending && !create.isSuccess) return <Navigate to="/login" replace />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const field = (name: keyof typeof form, label: string, type: string, autoComplete: string) => (
    <div className="field">
      <label htmlFor={`setup-${name}`}>{label}</label>
      <input
        id={`setup-${name}`}
        type={type}
        required
        autoComplete={autoComplete}
        value={form[name]}
        onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      />
    </div>
  );
  return (
    <main className="page narrow">
      <h1>Welcome to Den</h1>
      <p>Create the first user. It becomes the owner of this deployment.</p>
      {first.isError ? <ErrorBox error={first.error} what="the set-up state" /> : null}
      <form onSubmit={submit} className="card">
        {field("username", "Username", "text", "username")}
        {field("email", "Email", "email", "email")}
        {field("password", "Password (8 characters or more)", "password", "new-password")}
        {create.isError ? <ErrorBox error={create.error} /> : null}
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create user"}
        </button>
      </form>
    </main>
  );
}
