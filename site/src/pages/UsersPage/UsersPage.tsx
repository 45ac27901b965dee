import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Role, type User } from "../../../../src/sdk/schemas/users.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { ErrorBox, QueryState } from "../../components/QueryState.tsx";

/** `/users` (owner, user-admin): list, create, suspend/activate, roles. */
export function UsersPage() {
  const client = useDenClient();
  const [q, setQ] = useState("");
  const users = useQuery({ queryKey: ["users", q], queryFn: () => client.users.list({ q: q || undefined, limit: 200 }) });
  return (
    <>
      <h1>Users</h1>
      <CreateUserForm />
      <div className="filter">
        <label htmlFor="user-filter" className="visually-hidden">
          Search users
        </label>
        <input id="user-filter" type="search" placeholder="Search users" value={q} onChange={(e) => setQ(e.target.value)} />
      </div>
      <QueryState query={users} what="users" isEmpty={(d) => d.users.length === 0}>
        {(d) => (
          <table className="table" aria-label="Users">
            <thead>
              <tr>
                <th>Username</th>
                <th>Email</th>
                <th>Status</th>
                <th>Roles</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {d.users.map((user) => (
                <UserRow key={user.id} user={user} />
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </>
  );
}

function UserRow({ user }: { user: User }) {
  const client = useDenClient();
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (fn: () => Promise<User>) => fn(),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  const toggleRole = (role: Role, on: boolean) => {
    const roles = on ? [...user.roles, role] : user.roles.filter((r) => r !== role);
    change.mutate(() => client.users.updateRoles(user.id, roles.filter((r) => r !== "member")));
  };
  return (
    <tr>
      <td>{user.username}</td>
      <td>{user.email}</td>
      <td>{user.status}</td>
      <td>
        <fieldset className="roles">
          <legend className="visually-hidden">Roles of {user.username}</legend>
          {Role.options
            .filter((r) => r !== "member")
            .map((role) => (
              <label key={role}>
                <input type="checkbox" checked={user.roles.includes(role)} disabled={change.isPending} onChange={(e) => toggleRole(role, e.target.checked)} /> {role}
              </label>
            ))}
        </fieldset>
      </td>
      <td>
        {user.status === "active" ? (
          <button type="button" onClick={() => change.mutate(() => client.users.suspend(user.id))}>
            Suspend
          </button>
        ) : (
          <button type="button" onClick={() => change.mutate(() => client.users.activate(user.id))}>
            Activate
          </button>
        )}
        {change.isError ? <ErrorBox error={change.error} /> : null}
      </td>
    </tr>
  );
}

function CreateUserForm() {
  const client = useDenClient();
  const queryClient = useQueryClient();
  const empty = { username: "", email: "", password: "" };
  const [form, setForm] = useState(empty);
  const create = useMutation({
    mutationFn: () => client.users.create(form),
    onSuccess: () => {
      setForm(empty);
      void queryClient.invalidateQueries({ queryKey: ["users"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <details className="card">
      <summary>Create a user</summary>
      <form onSubmit={submit}>
        {(["username", "email", "password"] as const).map((name) => (
          <div className="field" key={name}>
            <label htmlFor={`new-user-${name}`}>{name}</label>
            <input
              id={`new-user-${name}`}
              type={name === "password" ? "password" : name === "email" ? "email" : "text"}
              required
              value={form[name]}
              onChange={(e) => setForm({ ...form, [name]: e.target.value })}
            />
          </div>
        ))}
        {create.isError ? <ErrorBox error={create.error} /> : null}
        <button type="submit" className="primary" disabled={create.isPending}>
          Create user
        </button>
      </form>
    </details>
  );
}
