import { readFileSync } from "node:fs";
import type { SnapshotLine } from "@realm-to-cognito/core";
import { describe, expect, it } from "vitest";
import type { PoolImportSettings } from "../src/cognito/import-settings.js";
import { csvRow, writeCsvFiles } from "../src/engines/csv-file.js";
import { ledgerKeyOf } from "../src/ledger/index.js";
import { POOL_CSV_HEADER } from "./csv-header.js";
import { plannedLedger, sourceUser, tempDir } from "./helpers.js";

const HEADER = [...POOL_CSV_HEADER, "custom:migration_state"];

async function rowsFor(users: SnapshotLine[], pool?: PoolImportSettings) {
  const ledger = plannedLedger(tempDir(), users);
  const summary = await writeCsvFiles({
    ledger,
    header: HEADER,
    outDir: tempDir(),
    username: "email",
    ...(pool ? { pool } : {}),
  });
  const lines = summary.files.length ? readFileSync(summary.files[0]!.file, "utf8").trim().split("\n") : [];
  const column = (name: string) => HEADER.indexOf(name);
  const rows = lines.slice(1).map((line) => line.split(","));
  const failed = users
    .map((user) => ledger.get(ledgerKeyOf(user)))
    .filter((row) => row?.state === "failed")
    .map((row) => row?.reason);
  ledger.close();
  return { summary, rows, column, failed };
}

describe("CSV rows per the pool's settings", () => {
  it("writes cognito:mfa_enabled true on a pool requiring MFA with an authenticator-app factor (it wrote false before)", async () => {
    const pool: PoolImportSettings = {
      mfa: { configuration: "ON", factors: { sms: false, softwareToken: true, email: false } },
      migrationStateAttribute: true,
    };
    const { rows, column } = await rowsFor([sourceUser(1), sourceUser(2)], pool);
    expect(rows.map((row) => row[column("cognito:mfa_enabled")])).toEqual(["true", "true"]);
    expect(rows.map((row) => row[column("custom:migration_state")])).toEqual(["imported", "imported"]);
  });

  it("refuses, with the reason, users who could never complete the MFA a pool requires", async () => {
    const pool: PoolImportSettings = {
      mfa: { configuration: "ON", factors: { sms: true, softwareToken: false, email: false } },
      migrationStateAttribute: false,
    };
    const { summary, failed } = await rowsFor([sourceUser(1)], pool);
    expect(summary).toMatchObject({ users: 0, refused: 1 });
    expect(failed[0]).toContain("requires MFA (ON) with SMS");
  });

  it("writes false on OFF and OPTIONAL pools, and no marker when the pool lacks the attribute", async () => {
    for (const configuration of ["OFF", "OPTIONAL"] as const) {
      const { rows, column } = await rowsFor([sourceUser(1)], {
        mfa: { configuration, factors: { sms: false, softwareToken: true, email: false } },
        migrationStateAttribute: false,
      });
      expect(rows[0]![column("cognito:mfa_enabled")]).toBe("false");
      expect(rows[0]![column("custom:migration_state")]).toBe("");
    }
  });

  it("writes each user's own email_verified: a pending user's row says false", () => {
    const confirmed = csvRow(HEADER, "a@b.co", { email: "a@b.co", email_verified: "true" });
    const pending = csvRow(HEADER, "p@b.co", { email: "p@b.co", email_verified: "false" });
    const at = HEADER.indexOf("email_verified");
    expect(confirmed.split(",")[at]).toBe("true");
    expect(pending.split(",")[at]).toBe("false");
  });
});
