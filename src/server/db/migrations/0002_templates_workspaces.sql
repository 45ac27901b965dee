-- Files, templates and their versions, the provisioner job queue, workspaces,
-- builds and agents.

-- Uploaded template archives, content-addressed by SHA-256.
CREATE TABLE files (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  hash text NOT NULL UNIQUE,
  mimetype text NOT NULL,
  data bytea NOT NULL,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE provisioner_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type text NOT NULL CHECK (type IN ('template_version_import', 'workspace_build')),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  initiator_id uuid REFERENCES users (id) ON DELETE SET NULL,
  input jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'canceling', 'canceled')),
  worker_id text,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  heartbeat_at timestamptz,
  completed_at timestamptz
);
CREATE INDEX provisioner_jobs_pending ON provisioner_jobs (created_at) WHERE status = 'pending';
CREATE INDEX provisioner_jobs_active ON provisioner_jobs (heartbeat_at) WHERE status IN ('running', 'canceling');

CREATE TABLE provisioner_job_logs (
  id bigserial PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES provisioner_jobs (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  stage text NOT NULL DEFAULT '',
  level text NOT NULL CHECK (level IN ('trace', 'debug', 'info', 'warn', 'error')),
  output text NOT NULL
);
CREATE INDEX provisioner_job_logs_job ON provisioner_job_logs (job_id, id);

CREATE TABLE templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  display_name text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  icon text NOT NULL DEFAULT '',
  active_version_id uuid,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  deleted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX templates_name_unique ON templates (organization_id, lower(name)) WHERE NOT deleted;

CREATE TABLE template_versions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  template_id uuid REFERENCES templates (id),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  message text NOT NULL DEFAULT '',
  file_id uuid NOT NULL REFERENCES files (id),
  job_id uuid NOT NULL REFERENCES provisioner_jobs (id),
  -- The parsed den.yaml, filled in by the import job.
  spec jsonb,
  readme text NOT NULL DEFAULT '',
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX template_versions_template ON template_versions (template_id, created_at);
CREATE UNIQUE INDEX template_versions_name_unique ON template_versions (template_id, name);

ALTER TABLE templates
  ADD CONSTRAINT templates_active_version_fk FOREIGN KEY (active_version_id) REFERENCES template_versions (id);

CREATE TABLE workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  owner_id uuid NOT NULL REFERENCES users (id),
  template_id uuid NOT NULL REFERENCES templates (id),
  name text NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX workspaces_name_unique ON workspaces (owner_id, lower(name)) WHERE NOT deleted;
CREATE INDEX workspaces_template ON workspaces (template_id) WHERE NOT deleted;

CREATE TABLE workspace_builds (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  template_version_id uuid NOT NULL REFERENCES template_versions (id),
  build_number integer NOT NULL,
  transition text NOT NULL CHECK (transition IN ('start', 'stop', 'delete')),
  initiator_id uuid REFERENCES users (id) ON DELETE SET NULL,
  job_id uuid NOT NULL UNIQUE REFERENCES provisioner_jobs (id),
  -- Parameter values of this build, name → string value.
  parameters jsonb NOT NULL DEFAULT '{}',
  -- What exists after (or, while running, during) this build: ResourceState[].
  -- A build starts from the state of the one before it.
  state jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, build_number)
);

CREATE TABLE workspace_agents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  build_id uuid NOT NULL REFERENCES workspace_builds (id),
  name text NOT NULL,
  resource_name text NOT NULL,
  -- SHA-256 of the per-build agent token.
  token_hash bytea NOT NULL,
  -- The agent's evaluated declaration: dir, env, scripts, apps, metadata.
  spec jsonb NOT NULL,
  lifecycle_state text NOT NULL DEFAULT 'created',
  first_connected_at timestamptz,
  last_connected_at timestamptz,
  disconnected_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (build_id, name)
);
CREATE UNIQUE INDEX workspace_agents_token ON workspace_agents (token_hash);
