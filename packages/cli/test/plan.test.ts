import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatSnapshotLine } from "@realm-to-cognito/core";
import { describe, expect, it } from "vitest";
import { ImportLedger } from "../src/ledger/index.js";
import { classify, planImport } from "../src/plan.js";
import { sourceUser, tempDir } from "./helpers.js";

const dir = tempDir("r2c-plan-");
const policy = { includeDisabled: false, includePending: false };
const user = sourceUser;
const id = (i: number) => sourceUser(i).realmUserId!;
const none = { policy, others: [], poolByEmail: [], poolById: [] };

describe("the plan's rules", () => {
  it("gives each kind of user its action and reason", () => {
    expect(classify(user(1), none)).toEqual({ action: "create" });
    expect(classify(user(1, { disabled: true }), none)).toMatchObject({
      action: "rejected",
      reason: "disabled in Realm",
    });
    expect(
      classify(user(1, { disabled: true }), { ...none, policy: { ...policy, includeDisabled: true } }).action,
    ).toBe("create");
    expect(classify(user(1, { confirmed: false, realmUserId: undefined }), none).reason).toMatch(/^pending/);
    expect(classify(user(1, { email: "not an email" }), none).reason).toMatch(/^invalid email/);
    const pooled = { username: "sub-1", email: "USER1@example.com", realmUserId: id(1), enabled: true };
    expect(classify(user(1), { ...none, poolById: [pooled] })).toMatchObject({
      action: "already-present",
      cognitoUsername: "sub-1",
    });
    expect(
      classify(user(1), { ...none, poolById: [{ ...pooled, email: "moved@example.com" }] }).reason,
    ).toMatch(/under another email/);
    expect(classify(user(1), { ...none, poolByEmail: [{ ...pooled, realmUserId: id(9) }] }).reason).toMatch(
      /another realm_user_id \(64f65e24c2f20a0e2dff0009/,
    );
    expect(
      classify(user(1), { ...none, others: [{ key: id(2), email: "User1@Example.com" }] }).reason,
    ).toMatch(/^same email in different case/);
    expect(
      classify(user(1), { ...none, others: [{ key: id(2), email: "user1@example.com" }] }).reason,
    ).toMatch(/^one email on two source users/);
  });

  it("plans a snapshot into the ledger, counting every line, malformed and duplicate ones included", async () => {
    const snapshot = join(dir, "s.ndjson");
    writeFileSync(
      snapshot,
      [
        formatSnapshotLine(user(1)),
        formatSnapshotLine(user(2, { email: "Same@example.com" })),
        formatSnapshotLine(user(3, { email: "same@example.com" })),
        "{broken",
        formatSnapshotLine(user(1)),
        formatSnapshotLine(user(4, { disabled: true })),
        formatSnapshotLine({
          email: "pending@example.com",
          confirmed: false,
          disabled: false,
          source: "pending-registrations",
        }),
        formatSnapshotLine(user(5)),
      ].join("\n"),
    );
    const ledger = ImportLedger.open(join(dir, "ledger.db"));
    ledger.replacePoolUsers("pool", [
      { username: "sub-5", email: "user5@example.com", realmUserId: id(5), enabled: true },
    ]);
    const summary = await planImport({ snapshot, ledger, policy });
    expect(summary.snapshotLines).toBe(8);
    expect(summary.counts).toEqual({ create: 1, "already-present": 1, conflict: 2, rejected: 4 });
    expect(summary.items.map((item) => `${item.line}:${item.action}`)).toEqual([
      "2:conflict",
      "3:conflict",
      "4:rejected",
      "5:rejected",
      "6:rejected",
      "7:rejected",
      "8:already-present",
    ]);
    expect(ledger.counts()).toMatchObject({ planned: 1, "already-present": 1, conflict: 2, rejected: 2 });
    expect(summary.byReason).toEqual({
      "same email in different case": 2,
      "malformed snapshot line": 1,
      // The same line twice is the same document exported twice (a repeat); differing ones conflict.
      repeat: 1,
      "disabled in Realm": 1,
      pending: 1,
      "migrated in phase 1": 1,
    });
    ledger.close();
  });
});
