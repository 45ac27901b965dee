-- Ports that a workspace's owner shares beyond themselves, reached through
-- the app proxy at <port>--<agent>--<workspace>--<user>.<wildcard host>.
-- A port without a row is shared with its owner only.
CREATE TABLE workspace_port_shares (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  agent_name text NOT NULL,
  port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  share_level text NOT NULL CHECK (share_level IN ('authenticated', 'public')),
  protocol text NOT NULL DEFAULT 'http' CHECK (protocol IN ('http', 'https')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, agent_name, port)
);
