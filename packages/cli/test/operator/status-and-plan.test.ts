import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatSnapshotLine } from "@realm-to-cognito/core";
import { describe, expect, it } from "vitest";
import { ImportLedger } from "../../src/ledger/index.js";
import { ledgerViewFromUsers, nextStepOf, populationOf } from "../../src/operator/index.js";
import { planImport } from "../../src/plan.js";
import { formatStatus, migrationStatus } from "../../src/status.js";
import { buildLedger, realmIdOf, tempDir } from "./fixtures.js";

const NOW = new Date("2026-11-27T09:00:00Z");
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe("status", () => {
  it("leads with percent complete, counts in people's words and draws the trend as a sparkline", () => {
    const file = join(tempDir(), "ledger.db");
    buildLedger(
      file,
      [
        ...Array.from({ length: 6 }, (_, i) => ({
          index: i + 1,
          state: "already-present" as const,
          poolCreatedAt: iso(NOW.getTime() - (i + 2) * DAY),
        })),
        { index: 7, state: "created" as const, importedAt: iso(NOW.getTime() - DAY) },
        { index: 8, state: "created" as const, importedAt: iso(NOW.getTime() - DAY) },
        { index: 9, state: "planned" as const },
        { index: 10, state: "rejected" as const, reason: "invalid email" },
      ],
      () => NOW,
    );
    const ledger = ImportLedger.open(file);
    const report = migrationStatus(ledger);
    ledger.close();
    expect(report.population).toMatchObject({ total: 10, inCognito: 8, notYetInCognito: 1, toMove: 9 });
    const text = formatStatus(report, { now: NOW, timeZone: "UTC" });
    expect(text).toContain("pool (listed Fri, 27 Nov 2026, 09:00 UTC)");
    const lines = text.split("\n");
    expect(lines[0]).toBe("88.8 % in Cognito: 8 of 9 users to move (1 rejected not counted)");
    expect(text).toMatch(/^ {2}Migrated with their password +6$/m);
    expect(text).toMatch(/^ {2}Still in Realm +1$/m);
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/); // times in words, not raw ISO
    // The trend: a sparkline row per phase over the last 30 days.
    expect(text).toMatch(/^with password +[·▁▂▃▄▅▆▇█]{30} {2}total 6, peak 1/m);
    expect(text).toMatch(/^imported +[·▁▂▃▄▅▆▇█]{30} {2}total 2, peak 2 on 2026-11-26$/m);
  });
});

describe("an empty ledger", () => {
  it("is 0 % done, and the next step is to fill it", () => {
    const population = populationOf(ledgerViewFromUsers([]));
    expect(population.percentComplete).toBe(0);
    expect(nextStepOf(population, { total: 0, first: [] }, 0)).toMatch(
      /^Fill the ledger: realm-to-cognito export/,
    );
  });
});

describe("plan run again after an import", () => {
  it("calls the users the import created imported in phase 2, not migrated in phase 1", async () => {
    const dir = tempDir();
    const file = join(dir, "ledger.db");
    buildLedger(
      file,
      [
        { index: 1, state: "already-present", poolCreatedAt: iso(NOW.getTime() - 5 * DAY) },
        { index: 2, state: "created", importedAt: iso(NOW.getTime() - DAY) },
      ],
      () => NOW,
    );
    const snapshot = join(dir, "users.ndjson");
    writeFileSync(
      snapshot,
      [1, 2]
        .map((i) =>
          formatSnapshotLine({
            realmUserId: realmIdOf(i),
            email: `user${i}@example.com`,
            confirmed: true,
            disabled: false,
            source: "admin-api",
          }),
        )
        .join("\n"),
    );
    const ledger = ImportLedger.open(file);
    // The pool listing after the import holds both users.
    ledger.replacePoolUsers(
      "us-east-1_test",
      [1, 2].map((i) => ({
        username: `sub-${i}`,
        email: `user${i}@example.com`,
        realmUserId: realmIdOf(i),
        status: i === 1 ? "CONFIRMED" : "FORCE_CHANGE_PASSWORD",
        enabled: true,
      })),
    );
    const summary = await planImport({
      snapshot,
      ledger,
      policy: { includeDisabled: false, includePending: false },
    });
    ledger.close();
    const reasons = Object.fromEntries(summary.items.map((item) => [item.key, item.reason]));
    expect(reasons[realmIdOf(1)]).toBe("migrated in phase 1");
    expect(reasons[realmIdOf(2)]).toBe("imported in phase 2");
    expect(summary.byReason).toEqual({ "migrated in phase 1": 1, "imported in phase 2": 1 });
  });
});
