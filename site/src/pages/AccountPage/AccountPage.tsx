import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useDenClient } from "../../api/ClientContext.tsx";
import { useMe } from "../../api/useMe.ts";
import { ConfirmButton } from "../../components/ConfirmButton.tsx";
import { CopyCommand } from "../../components/CopyCommand.tsx";
import { ErrorBox, QueryState } from "../../components/QueryState.tsx";

/** `/account`: the person's own password and API tokens. */
export function AccountPage() {
  const me = useMe();
  return (
    <>
      <h1>Account</h1>
      {me.data ? (
        <p>
          {me.data.username} · {me.data.email} · roles: {me.data.roles.join(", ")}
        </p>
      ) : null}
      <PasswordForm />
      <Tokens />
    </>
  );
}

function PasswordForm() {
  const client = useDenClient();
  const [oldPassword, setOld] = useState("");
  const [password, setPassword] = useState("");
  const change = useMutation({
    mutationFn: () => client.users.updatePassword("me", { old_password: oldPassword, password }),
    onSuccess: () => {
      setOld("");
      setPassword("");
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate();
  };
  return (
    <form className="card" onSubmit={submit}>
      <h2>Change password</h2>
      <div className="field">
        <label htmlFor="old-password">Current password</label>
        <input id="old-password" type="password" autoComplete="current-password" required value={oldPassword} onChange={(e) => setOld(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="new-password">New password (8 characters or more)</label>
        <input id="new-password" type="password" autoComplete="new-password" required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} />
      </div>
      {change.isError ? <ErrorBox error={change.error} /> : null}
      {change.isSuccess ? <p role="status">Password changed.</p> : null}
      <button type="submit" disabled={change.isPending}>
        Change password
      </button>
    </form>
  );
}

function Tokens() {
  const client = useDenClient();
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: () => client.tokens.list() });
  const [name, setName] = useState("");
  const [days, setDays] = useState("30");
  const create = useMutation({
    mutationFn: () => client.tokens.create({ token_name: name || undefined, lifetime: Math.round(Number(days) * 24 * 3600) }),
    onSuccess: () => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: ["tokens"] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => client.tokens.remove(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["tokens"] }),
  });
  return (
    <section className="card" aria-labelledby="tokens-head">
      <h2 id="tokens-head">API tokens</h2>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label htmlFor="token-name">Name</label>
        <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="token-days">Lifetime (days)</label>
        <input id="token-days" type="number" min={1} max={365} value={days} onChange={(e) => setDays(e.target.value)} />
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {create.isError ? <ErrorBox error={create.error} /> : null}
      {create.data ? <CopyCommand label="New token (shown once)" command={create.data.key} /> : null}
      <QueryState query={tokens} what="tokens" isEmpty={(list) => list.length === 0} empty="No API tokens.">
        {(list) => (
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Created</th>
                <th>Expires</th>
                <th>Last used</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((token) => (
                <tr key={token.id}>
                  <td>{token.token_name}</td>
                  <td>{new Date(token.created_at).toLocaleString()}</td>
                  <td>{new Date(token.expires_at).toLocaleString()}</td>
                  <td>{token.last_used ? new Date(token.last_used).toLocaleString() : "never"}</td>
                  <td>
                    <ConfirmButton label="Delete" confirmLabel={`Delete ${token.token_name}`} onConfirm={() => remove.mutate(token.id)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      {remove.isError ? <ErrorBox error={remove.error} /> : null}
    </section>
  );
}
