-- Secrets of the deployment that every replica must share, made once by
-- whichever replica starts first (INSERT ... ON CONFLICT DO NOTHING). The app
-- proxy's token signing key lives here: a token signed by one replica is
-- checked by another.
CREATE TABLE deployment_secrets (
  name text PRIMARY KEY,
  value bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
