import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ImportLedger } from "../../src/ledger/index.js";
import { ledgerViewOf, type OperatorUser } from "../../src/operator/ledger-view.js";
import { renderTrend } from "../../src/operator/trend.js";
import { buildLedger, realmIdOf, tempDir } from "./fixtures.js";

describe("the operator's view of the CLI ledger", () => {
  it("names each user's state in the operator's words, with when they reached Cognito", () => {
    const file = join(tempDir(), "ledger.db");
    buildLedger(file, [
      { index: 1, state: "already-present", poolCreatedAt: "2026-11-02T10:00:00.000Z" },
      { index: 2, state: "created", importedAt: "2026-11-20T08:00:00.000Z" },
      { index: 3, state: "created", importedAt: "2026-11-20T08:00:00.000Z" },
      { index: 4, state: "planned" },
      { index: 5, state: "rejected", reason: "pending registration" },
      { index: 6, state: "failed", reason: "InternalErrorException" },
      { index: 7, state: "planned" },
    ]);
    const ledger = ImportLedger.open(file);
    // user 3 came through a CSV job and has since reset (CONFIRMED); user 7 signed in after the plan.
    ledger.assignCsvLines("batch-1.csv", [{ key: realmIdOf(3), line: 2, username: "user3@example.com" }]);
    ledger.replacePoolUsers("pool", [
      {
        username: "user1@example.com",
        email: "user1@example.com",
        realmUserId: realmIdOf(1),
        status: "CONFIRMED",
        enabled: true,
        createdAt: "2026-11-02T10:00:00.000Z",
      },
      {
        username: "user2@example.com",
        email: "user2@example.com",
        realmUserId: realmIdOf(2),
        status: "CONFIRMED",
        enabled: true,
        createdAt: "2026-11-20T08:00:00.000Z",
      },
      {
        username: "user3@example.com",
        email: "user3@example.com",
        realmUserId: realmIdOf(3),
        status: "CONFIRMED",
        enabled: true,
        createdAt: "2026-11-20T08:00:00.000Z",
      },
      {
        username: "USER7@example.com",
        email: "USER7@example.com",
        status: "CONFIRMED",
        enabled: true,
        createdAt: "2026-11-25T12:00:00.000Z",
      },
    ]);
    const view = ledgerViewOf(ledger);
    const byKey = new Map<string, OperatorUser>([...view.users()].map((u) => [u.key, u]));
    expect(byKey.get(realmIdOf(1))).toMatchObject({
      state: "migrated-with-password",
      migratedAt: "2026-11-02T10:00:00.000Z",
    });
    expect(byKey.get(realmIdOf(2))).toMatchObject({
      state: "imported-awaiting-reset",
      migratedAt: "2026-11-20T08:00:00.000Z",
    });
    expect(byKey.get(realmIdOf(3))?.state).toBe("imported-reset-done");
    expect(byKey.get(realmIdOf(4))?.state).toBe("still-in-realm");
    expect(byKey.get(realmIdOf(5))).toMatchObject({ state: "rejected", reason: "pending registration" });
    expect(byKey.get(realmIdOf(6))?.state).toBe("import-failed");
    expect(byKey.get(realmIdOf(7))).toMatchObject({
      state: "migrated-with-password",
      migratedAt: "2026-11-25T12:00:00.000Z",
    });
    expect(view.migrationsByDay()).toEqual([
      { day: "2026-11-02", withPassword: 1, imported: 0 },
      { day: "2026-11-20", withPassword: 0, imported: 2 },
      { day: "2026-11-25", withPassword: 1, imported: 0 },
    ]);
    expect(view.rejectsByReason()).toEqual([
      { reason: "InternalErrorException", count: 1 },
      { reason: "pending registration", count: 1 },
    ]);
    expect(
      renderTrend(view.migrationsByDay(), { days: 30, now: new Date("2026-11-27T00:00:00Z") }),
    ).toContain("imported      ");
    ledger.close();
  });
});
