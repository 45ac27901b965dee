-- Organizations, users, API keys (sessions and tokens) and the audit log.

CREATE TABLE organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  display_name text NOT NULL,
  description text NOT NULL DEFAULT '',
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_one_default ON organizations (is_default) WHERE is_default;
INSERT INTO organizations (name, display_name, description, is_default)
VALUES ('default', 'Default', 'The organization every user belongs to', true);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL,
  email text NOT NULL,
  name text NOT NULL DEFAULT '',
  hashed_password text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  -- Site-wide roles beyond the implicit 'member'.
  roles text[] NOT NULL DEFAULT '{}',
  deleted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz
);
CREATE UNIQUE INDEX users_username_unique ON users (lower(username)) WHERE NOT deleted;
CREATE UNIQUE INDEX users_email_unique ON users (lower(email)) WHERE NOT deleted;

CREATE TABLE organization_members (
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  roles text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, user_id)
);

-- Session tokens and API tokens. The secret is stored only as SHA-256.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  hashed_secret bytea NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  login_type text NOT NULL CHECK (login_type IN ('password', 'token')),
  token_name text NOT NULL DEFAULT '',
  lifetime_seconds integer NOT NULL,
  expires_at timestamptz NOT NULL,
  last_used timestamptz,
  ip_address text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_user ON api_keys (user_id);
CREATE UNIQUE INDEX api_keys_token_name ON api_keys (user_id, token_name) WHERE login_type = 'token';

CREATE TABLE audit_logs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  time timestamptz NOT NULL DEFAULT now(),
  user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  ip text,
  user_agent text,
  action text NOT NULL,
  resource_type text NOT NULL,
  resource_id text,
  resource_target text NOT NULL DEFAULT '',
  diff jsonb NOT NULL DEFAULT '{}',
  status_code integer NOT NULL,
  additional_fields jsonb NOT NULL DEFAULT '{}',
  request_id text,
  -- Insertion order, to list rows written in the same instant in the order they happened.
  seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX audit_logs_time ON audit_logs (time DESC, seq DESC);
