import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatSnapshotLine, type SnapshotLine } from "@realm-to-cognito/core";
import { describe, expect, it } from "vitest";
import { clockAt } from "../../src/clock.js";
import { ImportLedger, ledgerKeyOf, type PoolUser, SendLedger } from "../../src/ledger/index.js";
import { ledgerViewOf } from "../../src/operator/ledger-view.js";
import { gatherReport } from "../../src/operator/report.js";
import { matchPoolUser } from "../../src/pool-match.js";
import { migrationStatus } from "../../src/status.js";
import { verifyMigration } from "../../src/verify.js";
import { tempDir } from "../helpers.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const IMPORTED_AT = "2026-11-30T10:00:00.000Z";
const id = (n: number) => n.toString(16).padStart(24, "a");

function line(email: string, realmUserId?: string): SnapshotLine {
  return {
    ...(realmUserId ? { realmUserId } : {}),
    email,
    confirmed: true,
    disabled: false,
    source: "admin-api",
  };
}

// Source users and pool users chosen where the former rules (plan's, status's, the operator view's)
// could each pick a different pool user, or none.
const SOURCES = [
  // 1. A Realm-id match beats an email match: the pool holds the user (awaiting reset) and, created
  //    earlier, another user with the same email in another case who has reset.
  { user: line("ada@example.com", id(1)), engine: "csv-job" as const },
  // 2. Case-variant email, no pool user with its Realm id: the email (compared case-insensitively) decides.
  { user: line("Bob@Example.com", id(2)), engine: "csv-job" as const },
  // 3. A pending registration (no Realm id), two pool users with its email: the earliest created wins.
  { user: { ...line("carol@example.com"), confirmed: false }, engine: "admin-create" as const },
  // 4. Imported and found by Realm id, not reset: the control that every rule agrees on.
  { user: line("dan@example.com", id(4)), engine: "admin-create" as const },
];

const POOL: PoolUser[] = [
  {
    username: "ada-current",
    email: "ada@example.com",
    realmUserId: id(1),
    status: "RESET_REQUIRED",
    enabled: true,
    createdAt: "2026-11-30T10:00:00.000Z",
  },
  {
    username: "ada-older",
    email: "ADA@example.com",
    status: "CONFIRMED",
    enabled: true,
    createdAt: "2026-01-01T00:00:00.000Z",
  },
  {
    username: "bob",
    email: "bob@EXAMPLE.com",
    status: "CONFIRMED",
    enabled: true,
    createdAt: "2026-11-30T10:00:00.000Z",
  },
  // Listed first but created later: listing order must not decide.
  {
    username: "carol-a",
    email: "Carol@example.com",
    status: "CONFIRMED",
    enabled: true,
    createdAt: "2026-11-30T10:00:02.000Z",
    lastModifiedAt: "2026-11-30T10:00:02.000Z",
  },
  {
    username: "carol-z",
    email: "carol@example.com",
    status: "CONFIRMED",
    enabled: true,
    createdAt: "2026-11-30T10:00:01.000Z",
    lastModifiedAt: "2026-12-01T09:00:00.000Z",
  },
  {
    username: "dan",
    email: "dan@example.com",
    realmUserId: id(4),
    status: "CONFIRMED",
    enabled: true,
    createdAt: "2026-11-30T10:00:00.000Z",
    lastModifiedAt: "2026-11-30T10:00:00.000Z",
  },
];

function ambiguousLedger(): ImportLedger {
  const file = join(tempDir("r2c-matcher-"), "ledger.db");
  let at = new Date(IMPORTED_AT);
  const ledger = ImportLedger.open(file, { clock: clockAt(() => at) });
  ledger.recordPlan(
    SOURCES.map(({ user }) => ({
      key: ledgerKeyOf(user),
      user,
      emailKey: user.email.toLowerCase(),
      state: "planned",
    })),
  );
  for (const { user, engine } of SOURCES)
    ledger.transition(ledgerKeyOf(user), "created", { event: "import", engine });
  at = NOW;
  ledger.replacePoolUsers("us-east-1_matcher", POOL);
  return ledger;
}

describe("one matcher: status and report count one ledger the same", () => {
  it("agrees on every imported user's state, on a ledger with ambiguous pool matches", () => {
    const ledger = ambiguousLedger();
    try {
      const status = migrationStatus(ledger);
      const report = gatherReport(ledgerViewOf(ledger), new SendLedger(ledger), undefined, { now: NOW });
      // Every imported user is in the pool here, so status's pool counts and the report's states
      // describe the same four users.
      expect(status.pool.importedResetDone).toBe(report.population.byState["imported-reset-done"]);
      expect(status.pool.importedAwaitingReset).toBe(report.population.byState["imported-awaiting-reset"]);
      expect(status.population).toEqual(report.population);
      // And what the one rule says: 1 awaits (its Realm-id match, not the reset look-alike), 2 reset
      // (its case-variant email), 3 reset (the earliest created of two), 4 awaits.
      expect(status.pool).toMatchObject({ importedResetDone: 2, importedAwaitingReset: 2 });
    } finally {
      ledger.close();
    }
  });

  it("verify reads the same matches: the duplicate email and the email-only match are its differences", async () => {
    const ledger = ambiguousLedger();
    try {
      const snapshot = join(tempDir("r2c-matcher-"), "users.ndjson");
      writeFileSync(snapshot, SOURCES.map(({ user }) => formatSnapshotLine(user)).join("\n"));
      const report = await verifyMigration({ snapshot, ledger });
      const byKey = Object.fromEntries(report.differences.map((d) => [d.key ?? d.detail, d.kind]));
      expect(byKey).toEqual({
        // Found by its email alone: the pool user lacks the Realm user id.
        [id(2)]: "wrong-realm-user-id",
        // Two pool users with its email.
        "pending:carol@example.com": "duplicated-in-pool",
      });
      expect(report).toMatchObject({ checked: 4, present: 2 });
    } finally {
      ledger.close();
    }
  });

  it("picks the same pool user whatever order the candidates come in", () => {
    const carol = SOURCES[2]!.user;
    const candidates = POOL.filter((p) => p.email?.toLowerCase() === "carol@example.com");
    for (const order of [candidates, [...candidates].reverse()]) {
      const match = matchPoolUser(carol, { byRealmUserId: [], byEmail: order });
      expect(match).toMatchObject({ by: "email", sameRealmUser: true, poolUser: { username: "carol-z" } });
    }
    const ada = matchPoolUser(SOURCES[0]!.user, {
      byRealmUserId: POOL.filter((p) => p.realmUserId === id(1)),
      byEmail: POOL.filter((p) => p.email?.toLowerCase() === "ada@example.com"),
    });
    expect(ada).toMatchObject({ by: "realm-user-id", poolUser: { username: "ada-current" } });
    const bob = matchPoolUser(SOURCES[1]!.user, { byRealmUserId: [], byEmail: POOL.slice(2, 3) });
    expect(bob).toMatchObject({ by: "email", sameRealmUser: false, poolUser: { username: "bob" } });
    // Same creation date: the lowest username.
    const twins = [
      { username: "b", email: "x@example.com" },
      { username: "a", email: "X@example.com" },
    ];
    expect(
      matchPoolUser({ email: "x@example.com" }, { byRealmUserId: [], byEmail: twins })?.poolUser.username,
    ).toBe("a");
  });
});
