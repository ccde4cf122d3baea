import { CliError } from "../errors.js";
import type { Connection } from "./connection.js";

/**
 * The ledger file's schema, in order, one version table (`schema_version`) for all of it. A migration is
 * never edited once released: later features append theirs.
 */
export const LEDGER_MIGRATIONS: readonly string[] = [
  // 1: the import ledger.
  `CREATE TABLE users (
     key TEXT PRIMARY KEY,
     realm_user_id TEXT,
     email TEXT NOT NULL,
     email_key TEXT NOT NULL,
     mongo_id TEXT,
     state TEXT NOT NULL CHECK (state IN ('planned','created','already-present','rejected','failed','conflict')),
     reason TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     engine TEXT,
     cognito_username TEXT,
     csv_file TEXT,
     csv_line INTEGER,
     first_attempt_at TEXT,
     user_json TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX users_email_key ON users(email_key);
   CREATE INDEX users_state ON users(state);
   CREATE TABLE history (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     user_key TEXT NOT NULL,
     at TEXT NOT NULL,
     from_state TEXT,
     to_state TEXT NOT NULL,
     event TEXT NOT NULL,
     detail TEXT
   );
   CREATE INDEX history_user ON history(user_key);
   CREATE TABLE pool_users (
     username TEXT PRIMARY KEY,
     email TEXT,
     email_key TEXT,
     realm_user_id TEXT,
     status TEXT,
     enabled INTEGER NOT NULL,
     created_at TEXT
   );
   CREATE INDEX pool_users_email_key ON pool_users(email_key);
   CREATE INDEX pool_users_realm_user_id ON pool_users(realm_user_id);
   CREATE TABLE pool_listing (id INTEGER PRIMARY KEY CHECK (id = 1), pool_id TEXT NOT NULL, listed_at TEXT NOT NULL, count INTEGER NOT NULL);
   CREATE TABLE import_jobs (
     job_id TEXT PRIMARY KEY,
     file TEXT NOT NULL,
     status TEXT NOT NULL,
     imported INTEGER NOT NULL DEFAULT 0,
     skipped INTEGER NOT NULL DEFAULT 0,
     failed INTEGER NOT NULL DEFAULT 0,
     message TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     command TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     summary TEXT
   );`,
  // 2: the pool's UserLastModifiedDate, so an admin-create import (CONFIRMED from the start) shows a reset.
  "ALTER TABLE pool_users ADD COLUMN last_modified_at TEXT;",
  // 3: notify's send ledger (was version 1 of the former `operator_schema` table).
  `CREATE TABLE notification_sends (
     campaign TEXT NOT NULL,
     user_key TEXT NOT NULL,
     email TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('queued','sending','sent','failed','bounced','unknown','withdrawn')),
     reason TEXT,
     message_id TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     transport TEXT,
     run_id TEXT,
     at TEXT NOT NULL,
     PRIMARY KEY (campaign, user_key)
   );
   CREATE INDEX notification_sends_by_status ON notification_sends (campaign, status);
   CREATE TABLE notification_send_history (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     campaign TEXT NOT NULL,
     user_key TEXT NOT NULL,
     status TEXT NOT NULL,
     reason TEXT,
     message_id TEXT,
     run_id TEXT,
     at TEXT NOT NULL
   );
   CREATE TABLE notification_runs (
     run_id TEXT PRIMARY KEY,
     campaign TEXT NOT NULL,
     pid INTEGER NOT NULL,
     host TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT
   );`,
  // 4: late outcomes (SES bounce events) find their send by message id (was `operator_schema` version 2).
  "CREATE INDEX notification_sends_by_message_id ON notification_sends (message_id);",
];

/**
 * Ledgers written before the one version table kept notify's tables versioned apart, in
 * `operator_schema` (one row, its version). Each of its versions is one of ours now.
 */
const FORMER_OPERATOR_VERSIONS: ReadonlyArray<{ readonly operator: number; readonly ledger: number }> = [
  { operator: 1, ledger: 3 },
  { operator: 2, ledger: 4 },
];

/**
 * Brings the file to `migrations.length`, in place: folds a former `operator_schema` into
 * `schema_version`, then applies each version the file lacks, in order, one transaction each.
 */
export function migrateLedger(db: Connection, migrations: readonly string[], stamp: () => string): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
  );
  db.transaction(() => foldOperatorSchema(db, stamp())).immediate();
  const newest = schemaVersionOf(db);
  if (newest > migrations.length)
    throw new CliError(
      "LEDGER",
      `the ledger has schema version ${newest}, newer than this tool knows (${migrations.length}): upgrade the tool`,
    );
  const applied = db.prepare<[number], { version: number }>(
    "SELECT version FROM schema_version WHERE version = ?",
  );
  const record = db.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)");
  migrations.forEach((sql, index) => {
    const version = index + 1;
    // Checked again inside the write lock: another process may have applied it meanwhile.
    db.transaction(() => {
      if (applied.get(version) !== undefined) return;
      db.exec(sql);
      record.run(version, stamp());
    }).immediate();
  });
}

function foldOperatorSchema(db: Connection, at: string): void {
  const former = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'operator_schema'")
    .get();
  if (former === undefined) return;
  const row = db.prepare("SELECT MAX(version) AS version FROM operator_schema").get() as {
    version: number | null;
  };
  const version = row.version ?? 0;
  const known = FORMER_OPERATOR_VERSIONS.length;
  if (version > known)
    throw new CliError(
      "LEDGER",
      `the ledger's notification tables have version ${version}, newer than this tool knows (${known}): upgrade the tool`,
    );
  const record = db.prepare("INSERT OR IGNORE INTO schema_version (version, applied_at) VALUES (?, ?)");
  for (const step of FORMER_OPERATOR_VERSIONS) if (step.operator <= version) record.run(step.ledger, at);
  db.exec("DROP TABLE operator_schema");
}

/** The newest schema version the file holds (0 for a new file). */
export function schemaVersionOf(db: Connection): number {
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number | null };
  return row.v ?? 0;
}
