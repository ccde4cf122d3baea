import { join } from "node:path";
import {
  CognitoIdentityProviderClient,
  ListUsersCommand,
  type UserStatusType,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { clockAt } from "../src/clock.js";
import { listPoolIntoLedger } from "../src/commands/pool-listing.js";
import { loadConfig } from "../src/config.js";
import { ImportLedger, LEDGER_MIGRATIONS, ledgerKeyOf } from "../src/ledger/index.js";
import { recipientsOf } from "../src/operator/audience.js";
import { ledgerViewOf } from "../src/operator/ledger-view.js";
import { hasReset, RESET_MARGIN_MS } from "../src/reset.js";
import { createServices } from "../src/services.js";
import { migrationStatus } from "../src/status.js";
import { plannedLedger, sourceUser, tempDir } from "./helpers.js";

const cognito = mockClient(CognitoIdentityProviderClient);
const client = new CognitoIdentityProviderClient({ region: "us-east-1" });
const dir = tempDir("r2c-reset-");
afterEach(() => cognito.reset());

const IMPORTED_AT = "2026-11-20T08:00:00.000Z";
const later = (ms: number) => new Date(Date.parse(IMPORTED_AT) + ms);

/** Users 1-2 imported by admin-create, 3-4 by a CSV job, all recorded as created at IMPORTED_AT. */
function importedLedger(): ImportLedger {
  const users = [1, 2, 3, 4].map((i) => sourceUser(i));
  const ledger = plannedLedger(dir, users, { clock: clockAt(() => new Date(IMPORTED_AT)) });
  ledger.assignCsvLines(
    "batch-1.csv",
    users.slice(2).map((u, i) => ({ key: ledgerKeyOf(u), line: i + 2, username: u.email })),
  );
  ledger.recordTransitions(
    users.map((u, i) => ({
      key: ledgerKeyOf(u),
      from: "planned" as const,
      to: "created" as const,
      event: i < 2 ? "AdminCreateUser" : "ImportJob",
      engine: i < 2 ? ("admin-create" as const) : ("csv-job" as const),
    })),
  );
  return ledger;
}

function listed(i: number, status: UserStatusType, lastModified: Date): UserType {
  const u = sourceUser(i);
  return {
    Username: u.email,
    Enabled: true,
    UserStatus: status,
    UserCreateDate: new Date(IMPORTED_AT),
    UserLastModifiedDate: lastModified,
    Attributes: [
      { Name: "email", Value: u.email },
      { Name: "custom:realm_user_id", Value: u.realmUserId! },
    ],
  };
}

describe("who among the imported users has reset their password", () => {
  it("admin-create: only a pool change later than the import plus the margin counts; csv-job: CONFIRMED", () => {
    const base = { engine: "admin-create", poolStatus: "CONFIRMED", importFinishedAt: IMPORTED_AT } as const;
    expect(hasReset({ ...base, poolLastModifiedAt: later(RESET_MARGIN_MS + 1).toISOString() })).toBe(true);
    expect(hasReset({ ...base, poolLastModifiedAt: later(RESET_MARGIN_MS - 1).toISOString() })).toBe(false);
    expect(hasReset({ ...base, poolLastModifiedAt: undefined })).toBe(false);
    expect(
      hasReset({
        ...base,
        poolStatus: "FORCE_CHANGE_PASSWORD",
        poolLastModifiedAt: later(60_000).toISOString(),
      }),
    ).toBe(false);
    const csv = { engine: "csv-job", poolLastModifiedAt: undefined, importFinishedAt: IMPORTED_AT } as const;
    expect(hasReset({ ...csv, poolStatus: "RESET_REQUIRED" })).toBe(false);
    expect(hasReset({ ...csv, poolStatus: "CONFIRMED" })).toBe(true);
  });

  it("status, the operator's view and notify's audience agree on a listing taken through ListUsers", async () => {
    cognito.on(ListUsersCommand).resolves({
      Users: [
        listed(1, "CONFIRMED", later(2_000)), // our AdminSetUserPassword, within the margin
        listed(2, "CONFIRMED", later(3 * 86_400_000)), // ConfirmForgotPassword three days later
        listed(3, "RESET_REQUIRED", later(0)),
        listed(4, "CONFIRMED", later(86_400_000)),
      ],
    });
    const ledger = importedLedger();
    const config = loadConfig({ env: { COGNITO_USER_POOL_ID: "pool", COGNITO_REGION: "us-east-1" } });
    await listPoolIntoLedger(createServices({ cognito: () => client }), { config }, ledger);
    expect([...ledger.poolUsers()].map((u) => u.lastModifiedAt)).toContain(later(2_000).toISOString());

    const status = migrationStatus(ledger);
    expect(status.pool).toMatchObject({ importedAwaitingReset: 2, importedResetDone: 2 });

    const view = ledgerViewOf(ledger);
    const states = new Map([...view.users()].map((u) => [u.email, u.state]));
    expect(Object.fromEntries(states)).toEqual({
      "user1@example.com": "imported-awaiting-reset",
      "user2@example.com": "imported-reset-done",
      "user3@example.com": "imported-awaiting-reset",
      "user4@example.com": "imported-reset-done",
    });
    const audience = [...recipientsOf("imported-awaiting-reset", view.users())].map((r) => r.email);
    expect(audience.sort()).toEqual(["user1@example.com", "user3@example.com"]);
    ledger.close();
  });

  it("a ledger made before the last-modified column gains it and keeps its pool listing", () => {
    const file = join(dir, "v1.db");
    const old = ImportLedger.open(file, { migrations: LEDGER_MIGRATIONS.slice(0, 1) });
    old.close();
    const raw = new Database(file);
    raw
      .prepare("INSERT INTO pool_users (username, email, email_key, status, enabled) VALUES (?, ?, ?, ?, 1)")
      .run("a@example.com", "a@example.com", "a@example.com", "CONFIRMED");
    raw.close();
    const ledger = ImportLedger.open(file);
    expect(ledger.schemaVersion()).toBe(LEDGER_MIGRATIONS.length);
    expect([...ledger.poolUsers()]).toEqual([
      expect.objectContaining({ username: "a@example.com", lastModifiedAt: undefined }),
    ]);
    ledger.close();
  });
});
