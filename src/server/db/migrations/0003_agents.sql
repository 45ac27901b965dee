-- Agents come alive: the workspace's SSH host key, what agents report, their
-- script logs, and a log of connections to workspaces.

-- One host key per workspace, so `ssh` never sees it change across builds.
ALTER TABLE workspaces ADD COLUMN ssh_host_key text;

ALTER TABLE workspace_agents
  ADD COLUMN lifecycle_detail text NOT NULL DEFAULT '',
  ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN app_health jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN stats jsonb,
  ADD COLUMN connected_replica text,
  ADD COLUMN ready_at timestamptz;

CREATE TABLE workspace_agent_logs (
  id bigserial PRIMARY KEY,
  agent_id uuid NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  source text NOT NULL,
  level text NOT NULL,
  output text NOT NULL
);
CREATE INDEX workspace_agent_logs_agent ON workspace_agent_logs (agent_id, id);

CREATE TABLE connection_logs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  agent_id uuid REFERENCES workspace_agents (id) ON DELETE SET NULL,
  type text NOT NULL CHECK (type IN ('ssh', 'pty', 'port-forward')),
  ip text,
  bytes_in bigint NOT NULL DEFAULT 0,
  bytes_out bigint NOT NULL DEFAULT 0,
  detail text NOT NULL DEFAULT ''
);
CREATE INDEX connection_logs_workspace ON connection_logs (workspace_id, started_at DESC);
