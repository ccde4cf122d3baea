import { join } from "node:path";
import type { SnapshotLine } from "@realm-to-cognito/core";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ImportLedger, LEDGER_MIGRATIONS, ledgerKeyOf, type PlannedUser } from "../src/ledger/index.js";
import { tempDir } from "./helpers.js";

function ledgerFile(): string {
  return join(tempDir("r2c-ledger-"), "ledger.db");
}

function user(overrides: Partial<SnapshotLine> = {}): SnapshotLine {
  return {
    realmUserId: "64f65e24c2f20a0e2dff3a90",
    email: "ada@example.com",
    confirmed: true,
    disabled: false,
    source: "admin-api",
    ...overrides,
  };
}

function planned(overrides: Partial<PlannedUser> & { user?: SnapshotLine } = {}): PlannedUser {
  const u = overrides.user ?? user();
  return { key: ledgerKeyOf(u), user: u, emailKey: u.email.toLowerCase(), state: "planned", ...overrides };
}

describe("ImportLedger", () => {
  it("creates its schema in WAL mode and records the schema version", () => {
    const file = ledgerFile();
    const ledger = ImportLedger.open(file);
    expect(ledger.schemaVersion()).toBe(LEDGER_MIGRATIONS.length);
    ledger.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("applies a later migration once, on the next open, keeping the rows", () => {
    const file = ledgerFile();
    const first = ImportLedger.open(file);
    first.recordPlan([planned()]);
    first.close();
    const extended = [
      ...LEDGER_MIGRATIONS,
      "CREATE TABLE sends (id INTEGER PRIMARY KEY, user_key TEXT NOT NULL)",
    ];
    const second = ImportLedger.open(file, { migrations: extended });
    expect(second.schemaVersion()).toBe(extended.length);
    expect(second.size()).toBe(1);
    second.close();
    const third = ImportLedger.open(file, { migrations: extended });
    expect(third.schemaVersion()).toBe(extended.length);
    third.close();
  });

  it("refuses a ledger written by a newer tool", () => {
    const file = ledgerFile();
    ImportLedger.open(file, { migrations: [...LEDGER_MIGRATIONS, "SELECT 1"] }).close();
    expect(() => ImportLedger.open(file)).toThrow(/newer than this tool/);
  });

  it("keys pending registrations by their lower-cased email", () => {
    expect(ledgerKeyOf({ email: " Ada@Example.com " })).toBe("pending:ada@example.com");
    expect(ledgerKeyOf({ realmUserId: "64f65e24c2f20a0e2dff3a90", email: "x@y.z" })).toBe(
      "64f65e24c2f20a0e2dff3a90",
    );
  });

  it("never moves a created user back when the plan is recorded again", () => {
    const ledger = ImportLedger.open(ledgerFile());
    const row = planned();
    ledger.recordPlan([row]);
    ledger.recordAttempt(row.key, "admin-create");
    ledger.transition(row.key, "created", { event: "AdminCreateUser", cognitoUsername: "sub-1" });
    const changed = ledger.recordPlan([{ ...row, state: "rejected", reason: "disabled in Realm" }]);
    expect(changed).toBe(0);
    expect(ledger.get(row.key)).toMatchObject({ state: "created", attempts: 1, cognitoUsername: "sub-1" });
    ledger.close();
  });

  it("records a user found in the pool after our own attempt as created, not as migrated in phase 1", () => {
    const ledger = ImportLedger.open(ledgerFile());
    const row = planned();
    ledger.recordPlan([row]);
    ledger.recordAttempt(row.key, "admin-create");
    ledger.recordPlan([{ ...row, state: "already-present", reason: "migrated in phase 1" }]);
    expect(ledger.get(row.key)?.state).toBe("created");
    const other = planned({
      user: user({ realmUserId: "64f65e24c2f20a0e2dff3a91", email: "bo@example.com" }),
    });
    ledger.recordPlan([{ ...other, state: "already-present", reason: "migrated in phase 1" }]);
    expect(ledger.get(other.key)?.state).toBe("already-present");
    ledger.close();
  });

  it("keeps an append-only history of every state change with its event", () => {
    const ledger = ImportLedger.open(ledgerFile());
    const row = planned();
    ledger.recordPlan([row]);
    ledger.recordAttempt(row.key, "admin-create");
    ledger.transition(row.key, "failed", {
      event: "AdminCreateUser",
      reason: "InternalErrorException: boom",
    });
    ledger.transition(row.key, "created", { event: "AdminCreateUser" });
    expect(
      ledger.history(row.key).map((entry) => `${entry.fromState ?? "-"}>${entry.toState}:${entry.event}`),
    ).toEqual([
      "->planned:plan",
      "planned>planned:attempt",
      "planned>failed:AdminCreateUser",
      "failed>created:AdminCreateUser",
    ]);
    ledger.close();
  });

  it("pages through users by state while they change state", () => {
    const ledger = ImportLedger.open(ledgerFile());
    const rows = Array.from({ length: 25 }, (_, i) =>
      planned({
        user: user({
          realmUserId: `64f65e24c2f20a0e2dff3a${String(i).padStart(2, "0")}`,
          email: `u${i}@example.com`,
        }),
      }),
    );
    ledger.recordPlan(rows);
    let seen = 0;
    for (const row of ledger.users(["planned"], 4)) {
      ledger.transition(row.key, "created", { event: "test" });
      seen++;
    }
    expect(seen).toBe(25);
    expect(ledger.counts()).toMatchObject({ planned: 0, created: 25 });
    ledger.close();
  });
});
