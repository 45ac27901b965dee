import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { ListAuditResponse } from "../../../../src/sdk/schemas/audit.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { QueryState } from "../../components/QueryState.tsx";

/** `/audit` (owner, auditor): the audit log, filtered by the server's query (e.g. `action:login username:alice`). */
export function AuditPage() {
  const client = useDenClient();
  const [draft, setDraft] = useState("");
  const [q, setQ] = useState("");
  const logs = useQuery({
    queryKey: ["audit", q],
    queryFn: () => client.http.request<ListAuditResponse>("GET", "/audit", { query: { q: q || undefined, limit: 100 } }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQ(draft.trim());
  };
  return (
    <>
      <h1>Audit</h1>
      <form role="search" className="filter" onSubmit={submit}>
        <label htmlFor="audit-filter" className="visually-hidden">
          Filter the audit log
        </label>
        <input id="audit-filter" type="search" placeholder="action:login username:alice resource_type:workspace" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">Filter</button>
      </form>
      <QueryState query={logs} what="audit entries" isEmpty={(d) => d.audit_logs.length === 0}>
        {(d) => (
          <table className="table" aria-label="Audit log">
            <thead>
              <tr>
                <th>Time</th>
                <th>User</th>
                <th>Action</th>
                <th>Resource</th>
                <th>Status</th>
                <th>IP</th>
              </tr>
            </thead>
            <tbody>
              {d.audit_logs.map((log) => (
                <tr key={log.id}>
                  <td>{new Date(log.time).toLocaleString()}</td>
                  <td>{log.username ?? "—"}</td>
                  <td>{log.action}</td>
                  <td>
                    {log.resource_type} {log.resource_target}
                  </td>
                  <td>{log.status_code}</td>
                  <td>{log.ip ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </>
  );
}
