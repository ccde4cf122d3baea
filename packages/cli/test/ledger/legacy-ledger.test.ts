import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ImportLedger, LEDGER_MIGRATIONS, SendLedger } from "../../src/ledger/index.js";
import { tempDir } from "../helpers.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/ledgers/", import.meta.url));
const id = (n: number) => n.toString(16).padStart(24, "0");

const DATA_TABLES = [
  "users",
  "history",
  "pool_users",
  "pool_listing",
  "import_jobs",
  "runs",
  "notification_sends",
  "notification_send_history",
  "notification_runs",
] as const;

/** Every row of every data table, read with a connection of the test's own. */
function dump(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = new Set(
      (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>
      ).map((t) => t.name),
    );
    return Object.fromEntries(
      DATA_TABLES.filter((t) => tables.has(t)).map((t) => [
        t,
        db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all(),
      ]),
    );
  } finally {
    db.close();
  }
}

function schemaOf(file: string): { tables: string[]; indexes: string[]; versions: number[] } {
  const db = new Database(file, { readonly: true });
  try {
    const names = (type: string) =>
      (
        db
          .prepare("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name")
          .all(type) as Array<{ name: string }>
      ).map((r) => r.name);
    return {
      tables: names("table"),
      indexes: names("index"),
      versions: (
        db.prepare("SELECT version FROM schema_version ORDER BY version").all() as Array<{ version: number }>
      ).map((r) => r.version),
    };
  } finally {
    db.close();
  }
}

/** Paths to a better-sqlite3 handle among an object's own properties, three levels deep. */
function reachableHandles(root: object): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (value === null || typeof value !== "object" || depth > 3) return;
    if (value instanceof Database) found.push(path);
    else for (const [key, inner] of Object.entries(value)) walk(inner, `${path}.${key}`, depth + 1);
  };
  walk(root, "ledger", 0);
  return found;
}

function copyOfFixture(name: string): string {
  const file = join(tempDir("r2c-legacy-"), name);
  copyFileSync(join(FIXTURES, name), file);
  return file;
}

const ALL_VERSIONS = LEDGER_MIGRATIONS.map((_, i) => i + 1);

describe("a ledger written before the ledger module (two version tables)", () => {
  it("opens, folds operator_schema into schema_version, and keeps every row, state, history entry and send", () => {
    const file = copyOfFixture("today-with-sends.db");
    const before = dump(file);
    expect(schemaOf(file).tables).toContain("operator_schema");
    expect(before.users).toHaveLength(7);
    expect(before.notification_sends).toHaveLength(3);

    const ledger = ImportLedger.open(file);
    expect(ledger.schemaVersion()).toBe(LEDGER_MIGRATIONS.length);
    // The SQLite handle is not reachable from outside the module, not even at run time.
    expect(reachableHandles(ledger)).toEqual([]);
    expect("db" in ledger).toBe(false);
    // The rows as they were, through the module's own reads too.
    expect(ledger.counts()).toEqual({
      planned: 1,
      created: 1,
      "already-present": 1,
      rejected: 2,
      failed: 1,
      conflict: 1,
    });
    expect(ledger.get(id(1))).toMatchObject({ state: "created", attempts: 1, engine: "admin-create" });
    expect(ledger.get(id(3))).toMatchObject({ state: "planned", csvFile: "/tmp/import-1.csv", csvLine: 2 });
    expect(ledger.history(id(2)).map((h) => h.event)).toEqual(["plan", "attempt", "AdminCreateUser"]);
    expect(ledger.importJobs()).toEqual([
      expect.objectContaining({ jobId: "import-abc", status: "InProgress" }),
    ]);
    expect(ledger.hasFinishedPlan()).toBe(true);
    expect([...ledger.poolUsers()].map((u) => u.username)).toEqual(["sub-4", "sub-x"]);
    const sends = new SendLedger(ledger);
    expect(sends.get("imported-awaiting-reset", id(1))).toMatchObject({
      status: "bounced",
      messageId: "msg-1",
    });
    expect(sends.findByMessageId("msg-1")?.userKey).toBe(id(1));
    expect(sends.counts()).toMatchObject({ bounced: 1, sending: 1, queued: 1 });
    ledger.close();

    expect(dump(file)).toEqual(before);
    const schema = schemaOf(file);
    expect(schema.versions).toEqual(ALL_VERSIONS);
    expect(schema.tables).not.toContain("operator_schema");
    expect(schema.indexes).toContain("notification_sends_by_message_id");

    // Opening again changes nothing.
    ImportLedger.open(file).close();
    expect(schemaOf(file).versions).toEqual(ALL_VERSIONS);
    expect(dump(file)).toEqual(before);
  });

  it("opens a ledger that was never notified (schema_version alone) and gains the notification tables", () => {
    const file = copyOfFixture("today-before-operator.db");
    const before = dump(file);
    expect(Object.keys(before)).not.toContain("notification_sends");

    const ledger = ImportLedger.open(file);
    expect(ledger.schemaVersion()).toBe(LEDGER_MIGRATIONS.length);
    const sends = new SendLedger(ledger);
    expect(sends.campaigns()).toEqual([]);
    ledger.close();

    const after = dump(file);
    expect(after).toEqual({
      ...before,
      notification_sends: [],
      notification_send_history: [],
      notification_runs: [],
    });
    expect(schemaOf(file).versions).toEqual(ALL_VERSIONS);
  });

  it("upgrades a ledger from between the two (schema_version 1, operator_schema 1), built with that time's SQL", () => {
    const file = join(tempDir("r2c-legacy-"), "v1-op1.db");
    const raw = new Database(file);
    // The SQL of that time: import migration 1, and the operator tables in their own version table.
    raw.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    raw.exec(LEDGER_MIGRATIONS[0]!);
    raw.prepare("INSERT INTO schema_version (version, applied_at) VALUES (1, '2026-11-27T03:00:00Z')").run();
    raw.exec("CREATE TABLE IF NOT EXISTS operator_schema (version INTEGER NOT NULL)");
    raw.exec(LEDGER_MIGRATIONS[2]!);
    raw.prepare("INSERT INTO operator_schema (version) VALUES (1)").run();
    raw
      .prepare(
        "INSERT INTO users (key, realm_user_id, email, email_key, state, user_json, created_at, updated_at) VALUES (?, ?, ?, ?, 'created', ?, 'x', 'x')",
      )
      .run(id(1), id(1), "a@example.com", "a@example.com", JSON.stringify({ email: "a@example.com" }));
    raw
      .prepare(
        "INSERT INTO pool_users (username, email, email_key, realm_user_id, status, enabled) VALUES (?, ?, ?, ?, ?, 1)",
      )
      .run("sub-1", "a@example.com", "a@example.com", id(1), "CONFIRMED");
    raw
      .prepare(
        "INSERT INTO notification_sends (campaign, user_key, email, status, message_id, at) VALUES ('c', ?, 'a@example.com', 'sent', 'm-1', 'x')",
      )
      .run(id(1));
    raw.close();
    const before = dump(file);

    const ledger = ImportLedger.open(file);
    expect(ledger.schemaVersion()).toBe(LEDGER_MIGRATIONS.length);
    expect([...ledger.poolUsers()]).toEqual([
      expect.objectContaining({ username: "sub-1", lastModifiedAt: undefined }),
    ]);
    expect(new SendLedger(ledger).findByMessageId("m-1")).toMatchObject({ status: "sent", userKey: id(1) });
    ledger.close();

    const after = dump(file);
    expect(after.users).toEqual(before.users);
    expect(after.notification_sends).toEqual(before.notification_sends);
    expect(after.pool_users).toEqual(
      before.pool_users?.map((row) => ({ ...(row as object), last_modified_at: null })),
    );
    const schema = schemaOf(file);
    expect(schema.versions).toEqual(ALL_VERSIONS);
    expect(schema.tables).not.toContain("operator_schema");
    expect(schema.indexes).toContain("notification_sends_by_message_id");
  });

  it("refuses notification tables newer than it knows, and leaves the file as it was", () => {
    const file = copyOfFixture("today-with-sends.db");
    const raw = new Database(file);
    raw.prepare("UPDATE operator_schema SET version = 3").run();
    raw.close();
    const before = dump(file);
    expect(() => ImportLedger.open(file)).toThrow(/newer than this tool knows/);
    expect(dump(file)).toEqual(before);
    expect(schemaOf(file).tables).toContain("operator_schema");
  });
});
