// Synthetic planned users for the import benches (bench/import-csv.ts, bench/import-engine.ts).
import type { SnapshotLine } from "@realm-to-cognito/core";
import type { PlannedUser } from "../packages/cli/src/ledger/index.js";

/** `count` confirmed users planned for import, ids and emails made from their number; `extra` adds attributes. */
export function* syntheticPlannedUsers(
  count: number,
  extra?: (i: number) => Record<string, string>,
): Generator<PlannedUser> {
  for (let i = 0; i < count; i++) {
    const realmUserId = i.toString(16).padStart(24, "0");
    const user: SnapshotLine = {
      realmUserId,
      email: `user${i}@example.com`,
      mongoId: (i + 1).toString(16).padStart(24, "a"),
      confirmed: true,
      disabled: false,
      ...(extra ? { extra: extra(i) } : {}),
      source: "admin-api",
    };
    yield { key: realmUserId, user, emailKey: user.email, state: "planned" };
  }
}
