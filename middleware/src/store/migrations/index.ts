/**
 * Schema migrations shared by the SQLite and PostgreSQL stores.
 *
 * The SQL is portable except for one token: `{{id}}` is an auto-increment
 * primary key, which the two databases spell differently (see `renderMigration`).
 * Timestamps are ISO-8601 UTC strings and JSON is stored as TEXT, so both
 * databases order and compare them the same way.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'sync state',
    sql: `
CREATE TABLE links (
  id {{id}},
  flow TEXT NOT NULL,
  sf_object TEXT NOT NULL,
  sf_id TEXT NOT NULL,
  coupa_resource TEXT NOT NULL,
  coupa_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (flow, sf_object, sf_id),
  UNIQUE (flow, coupa_resource, coupa_id)
);

CREATE TABLE checkpoints (
  flow TEXT PRIMARY KEY,
  cursor_ts TEXT,
  cursor_id TEXT,
  extra TEXT,
  updated_at TEXT NOT NULL
);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  flow TEXT NOT NULL,
  trigger_type TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  counts TEXT,
  error TEXT
);
CREATE INDEX runs_flow_started ON runs (flow, started_at);

CREATE TABLE journal (
  id {{id}},
  run_id TEXT,
  flow TEXT NOT NULL,
  direction TEXT NOT NULL,
  record_key TEXT NOT NULL,
  link_id BIGINT,
  action TEXT NOT NULL,
  origin TEXT,
  before_json TEXT,
  after_json TEXT,
  error TEXT,
  at TEXT NOT NULL
);
CREATE INDEX journal_record ON journal (flow, record_key, at);
CREATE INDEX journal_link ON journal (link_id, at);
CREATE INDEX journal_run ON journal (run_id);

CREATE TABLE dead_letters (
  id {{id}},
  flow TEXT NOT NULL,
  record_key TEXT NOT NULL,
  payload TEXT,
  request TEXT,
  response TEXT,
  error_class TEXT NOT NULL,
  message TEXT,
  attempts INTEGER NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX dead_letters_flow_status ON dead_letters (flow, status);

CREATE TABLE idempotency (
  idem_key TEXT PRIMARY KEY,
  flow TEXT NOT NULL,
  state TEXT NOT NULL,
  remote_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE conflicts (
  id {{id}},
  flow TEXT NOT NULL,
  record_key TEXT NOT NULL,
  field TEXT NOT NULL,
  sf_value TEXT,
  coupa_value TEXT,
  status TEXT NOT NULL,
  resolution TEXT,
  created_at TEXT NOT NULL,
  resolved_at TEXT
);
CREATE INDEX conflicts_flow_status ON conflicts (flow, status);

CREATE TABLE echo_ledger (
  flow TEXT NOT NULL,
  link_id BIGINT NOT NULL,
  direction TEXT NOT NULL,
  hash TEXT NOT NULL,
  payload TEXT,
  at TEXT NOT NULL,
  PRIMARY KEY (flow, link_id, direction)
);

CREATE TABLE audit_log (
  id {{id}},
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT,
  at TEXT NOT NULL
);

CREATE TABLE credentials (
  name TEXT PRIMARY KEY,
  ciphertext TEXT NOT NULL,
  iv TEXT NOT NULL,
  tag TEXT NOT NULL,
  key_version INTEGER NOT NULL,
  salt TEXT,
  updated_at TEXT NOT NULL
);

CREATE TABLE flow_state (
  flow TEXT PRIMARY KEY,
  paused INTEGER NOT NULL,
  reason TEXT,
  updated_at TEXT NOT NULL
);

CREATE TABLE quarantine (
  flow TEXT NOT NULL,
  record_key TEXT NOT NULL,
  reason TEXT,
  at TEXT NOT NULL,
  PRIMARY KEY (flow, record_key)
);

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

CREATE TABLE work_items (
  id {{id}},
  flow TEXT NOT NULL,
  record_key TEXT NOT NULL,
  payload TEXT,
  status TEXT NOT NULL,
  claimed_by TEXT,
  lease_until TEXT,
  attempts INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX work_items_claim ON work_items (flow, status, id);
`,
  },
  {
    version: 2,
    name: 'dependents waiting for a link',
    sql: `
CREATE TABLE waiting (
  dep_key TEXT NOT NULL,
  flow TEXT NOT NULL,
  source_id TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (dep_key, flow, source_id)
);
CREATE INDEX waiting_flow ON waiting (flow);
`,
  },
  {
    version: 3,
    name: 'stream replay positions',
    sql: `
CREATE TABLE stream_positions (
  consumer TEXT NOT NULL,
  channel TEXT NOT NULL,
  replay_id TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (consumer, channel)
);
`,
  },
  {
    version: 4,
    name: 'agent approvals',
    sql: `
CREATE TABLE agent_approvals (
  id TEXT PRIMARY KEY,
  token TEXT NOT NULL,
  tool TEXT NOT NULL,
  args TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  reason TEXT,
  result TEXT,
  error TEXT,
  finished_at TEXT
);
CREATE INDEX agent_approvals_dedupe ON agent_approvals (dedupe_key, status);
CREATE INDEX agent_approvals_status ON agent_approvals (status, created_at);
`,
  },
  {
    version: 5,
    name: 'agent rate limits, approval recovery',
    sql: `
CREATE TABLE agent_rate_limits (
  token TEXT NOT NULL,
  window_start TEXT NOT NULL,
  calls INTEGER NOT NULL,
  PRIMARY KEY (token, window_start)
);
ALTER TABLE agent_approvals ADD COLUMN recovery_started_at TEXT;
`,
  },
];

export type Dialect = 'sqlite' | 'postgres';

export function renderMigration(sql: string, dialect: Dialect): string {
  const id = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY';
  return sql.replace(/\{\{id\}\}/g, id);
}
