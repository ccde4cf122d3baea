import { emailKey } from "@realm-to-cognito/core";
import { type ImportLedger, type LedgerState, ledgerKeyOf } from "./ledger/index.js";
import { readSnapshot } from "./snapshot-file.js";

export type DifferenceKind =
  | "not-in-ledger"
  | "not-imported"
  | "missing-in-pool"
  | "duplicated-in-pool"
  | "wrong-email"
  | "wrong-realm-user-id"
  | "unknown-in-pool"
  | "malformed-snapshot-line";

export interface Difference {
  readonly kind: DifferenceKind;
  readonly key?: string;
  readonly email?: string;
  readonly detail: string;
}

export interface VerifyReport {
  readonly checked: number;
  readonly present: number;
  readonly differences: Difference[];
  readonly differencesLeftOut: number;
}

const IMPORTABLE: readonly LedgerState[] = ["planned", "failed", "created", "already-present"];

/**
 * Reconciles snapshot, ledger and the pool listing stored in the ledger: every importable user is in
 * the pool exactly once, with its realm_user_id and email; the ledger holds every snapshot user; the
 * pool holds no Realm user the snapshot does not know. Lists every difference.
 */
export async function verifyMigration(options: {
  snapshot: string;
  ledger: ImportLedger;
  limit?: number;
}): Promise<VerifyReport> {
  const { ledger } = options;
  const limit = options.limit ?? 10_000;
  const differences: Difference[] = [];
  let left = 0;
  const add = (difference: Difference): void => {
    if (differences.length < limit) differences.push(difference);
    else left++;
  };

  for await (const entry of readSnapshot(options.snapshot)) {
    if (!("user" in entry)) {
      add({ kind: "malformed-snapshot-line", detail: `line ${entry.line}: ${entry.reason}` });
      continue;
    }
    const key = ledgerKeyOf(entry.user);
    if (ledger.get(key) === undefined)
      add({ kind: "not-in-ledger", key, email: entry.user.email, detail: `line ${entry.line}: run plan` });
  }

  let checked = 0;
  let present = 0;
  for (const row of ledger.users(IMPORTABLE)) {
    checked++;
    const match = ledger.poolMatchOf(row);
    const found = match?.candidates ?? [];
    const base = { key: row.key, email: row.email };
    if (match === undefined) {
      add({
        ...base,
        kind: row.state === "planned" || row.state === "failed" ? "not-imported" : "missing-in-pool",
        detail: `ledger says ${row.state}${row.reason ? ` (${row.reason})` : ""}, the pool has no such user`,
      });
      continue;
    }
    if (found.length > 1) {
      add({
        ...base,
        kind: "duplicated-in-pool",
        detail: `${found.length} users: ${found.map((user) => user.username).join(", ")}`,
      });
      continue;
    }
    const user = match.poolUser;
    if (user.email === undefined || emailKey(user.email) !== row.emailKey) {
      add({
        ...base,
        kind: "wrong-email",
        detail: `pool user ${user.username} has email ${user.email ?? "(none)"}`,
      });
      continue;
    }
    if (!match.sameRealmUser) {
      add({
        ...base,
        kind: "wrong-realm-user-id",
        detail: `pool user ${user.username} has realm_user_id ${user.realmUserId ?? "(none)"}`,
      });
      continue;
    }
    if (row.state === "planned" || row.state === "failed") {
      add({
        ...base,
        kind: "not-imported",
        detail: `in the pool as ${user.username} but the ledger says ${row.state}: run plan to settle`,
      });
      continue;
    }
    present++;
  }

  const unknown = ledger.poolUsersUnknownToLedger();
  for (const user of unknown)
    add({
      kind: "unknown-in-pool",
      email: user.email,
      detail: `pool user ${user.username} has realm_user_id ${user.realmUserId}, which the snapshot does not hold`,
    } as Difference);
  return { checked, present, differences, differencesLeftOut: left };
}
