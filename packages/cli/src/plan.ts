import { emailKey, isPlausibleEmail, type SnapshotLine } from "@realm-to-cognito/core";
import { type ImportLedger, ledgerKeyOf, type PlannedUser, type PoolUser } from "./ledger.js";
import { readSnapshot } from "./snapshot-file.js";

export type PlanAction = "create" | "already-present" | "conflict" | "rejected";

export interface PlanPolicy {
  readonly includeDisabled: boolean;
  readonly includePending: boolean;
}

/** One user the plan does not simply create, with why. */
export interface PlanItem {
  readonly line: number;
  readonly key?: string;
  readonly email?: string;
  readonly action: PlanAction;
  readonly reason?: string;
}

export interface PlanSummary {
  readonly snapshotLines: number;
  readonly counts: Record<PlanAction, number>;
  readonly byReason: Record<string, number>;
  /** Every user not simply created (first `itemLimit` of them). */
  readonly items: PlanItem[];
  readonly itemsLeftOut: number;
  /** How many ledger rows changed state. */
  readonly ledgerChanges: number;
}

/**
 * Compares a snapshot with the pool listing stored in the ledger and records what import would do for
 * each user: create, already present (same realm_user_id: migrated in phase 1), conflict, rejected.
 * Users the ledger already shows as created or present keep that state.
 */
export async function planImport(options: {
  snapshot: string;
  ledger: ImportLedger;
  policy: PlanPolicy;
  itemLimit?: number;
}): Promise<PlanSummary> {
  const { ledger, policy } = options;
  const itemLimit = options.itemLimit ?? 10_000;
  const db = ledger.db;
  // Pass 1: who shares an email (or a key) with whom, on disk rather than in memory.
  db.exec(
    "DROP TABLE IF EXISTS temp.plan_users; CREATE TEMP TABLE plan_users (line INTEGER PRIMARY KEY, key TEXT, email_key TEXT, email TEXT)",
  );
  const insert = db.prepare("INSERT INTO temp.plan_users (line, key, email_key, email) VALUES (?, ?, ?, ?)");
  const fill = db.transaction((rows: Array<[number, string, string, string]>) => {
    for (const row of rows) insert.run(...row);
  });
  let buffer: Array<[number, string, string, string]> = [];
  for await (const entry of readSnapshot(options.snapshot)) {
    if (!("user" in entry)) continue;
    buffer.push([entry.line, ledgerKeyOf(entry.user), emailKey(entry.user.email), entry.user.email]);
    if (buffer.length >= 5_000) {
      fill(buffer);
      buffer = [];
    }
  }
  fill(buffer);
  db.exec(
    "CREATE INDEX temp.plan_users_email ON plan_users(email_key); CREATE INDEX temp.plan_users_key ON plan_users(key)",
  );
  const firstLineOfKey = db.prepare<[string], { line: number }>(
    "SELECT MIN(line) AS line FROM temp.plan_users WHERE key = ?",
  );
  const othersWithEmail = db.prepare<[string, string], { key: string; email: string }>(
    "SELECT DISTINCT key, email FROM temp.plan_users WHERE email_key = ? AND key <> ? ORDER BY line",
  );

  const counts: Record<PlanAction, number> = { create: 0, "already-present": 0, conflict: 0, rejected: 0 };
  const byReason: Record<string, number> = {};
  const items: PlanItem[] = [];
  let itemsLeftOut = 0;
  let lines = 0;
  const note = (item: PlanItem): void => {
    counts[item.action]++;
    if (item.action === "create") return;
    // Counted by kind: the reason without its particulars (line numbers, ids, emails).
    const reasonKind =
      item.reason
        ?.replace(/[:(].*$/, "")
        .replace(/ (of line|as) .*$/, "")
        .trim() ?? item.action;
    byReason[reasonKind] = (byReason[reasonKind] ?? 0) + 1;
    if (items.length < itemLimit) items.push(item);
    else itemsLeftOut++;
  };

  async function* classified(): AsyncGenerator<PlannedUser> {
    for await (const entry of readSnapshot(options.snapshot)) {
      lines++;
      if (!("user" in entry)) {
        note({ line: entry.line, action: "rejected", reason: `malformed snapshot line: ${entry.reason}` });
        continue;
      }
      const { user, line } = entry;
      const key = ledgerKeyOf(user);
      const first = firstLineOfKey.get(key)?.line;
      if (first !== undefined && first !== line) {
        note({ line, key, email: user.email, action: "rejected", reason: `duplicate of line ${first}` });
        continue;
      }
      const decision = classify(user, {
        policy,
        others: othersWithEmail.all(emailKey(user.email), key),
        poolByEmail: ledger.poolUsersByEmailKey(emailKey(user.email)),
        poolById: user.realmUserId ? ledger.poolUsersByRealmUserId(user.realmUserId) : [],
      });
      note({
        line,
        key,
        email: user.email,
        action: decision.action,
        ...(decision.reason ? { reason: decision.reason } : {}),
      });
      yield {
        key,
        user,
        emailKey: emailKey(user.email),
        state: decision.action === "create" ? "planned" : decision.action,
        ...(decision.reason ? { reason: decision.reason } : {}),
        ...(decision.cognitoUsername ? { cognitoUsername: decision.cognitoUsername } : {}),
      };
    }
  }

  // recordPlan is synchronous (one transaction per batch); feed it batches from the async stream.
  let ledgerChanges = 0;
  let batch: PlannedUser[] = [];
  for await (const planned of classified()) {
    batch.push(planned);
    if (batch.length >= 5_000) {
      ledgerChanges += ledger.recordPlan(batch);
      batch = [];
    }
  }
  ledgerChanges += ledger.recordPlan(batch);
  db.exec("DROP TABLE IF EXISTS temp.plan_users");
  return { snapshotLines: lines, counts, byReason, items, itemsLeftOut, ledgerChanges };
}

interface Decision {
  action: PlanAction;
  reason?: string;
  cognitoUsername?: string;
}

/** The rules of the plan for one user, given who else has its email in the snapshot and the pool. */
export function classify(
  user: SnapshotLine,
  context: {
    policy: PlanPolicy;
    others: ReadonlyArray<{ key: string; email: string }>;
    poolByEmail: readonly PoolUser[];
    poolById: readonly PoolUser[];
  },
): Decision {
  const mine = context.poolById.find(
    (pooled) => pooled.email !== undefined && emailKey(pooled.email) === emailKey(user.email),
  );
  if (mine)
    return { action: "already-present", reason: "migrated in phase 1", cognitoUsername: mine.username };
  const movedAway = context.poolById[0];
  if (movedAway)
    return {
      action: "conflict",
      reason: `realm_user_id in Cognito under another email (${movedAway.email ?? "none"})`,
    };
  if (!isPlausibleEmail(user.email.trim()))
    return { action: "rejected", reason: `invalid email: "${user.email}"` };
  const other = context.others[0];
  if (other) {
    return other.email !== user.email && emailKey(other.email) === emailKey(user.email)
      ? { action: "conflict", reason: `same email in different case as ${other.key} (${other.email})` }
      : { action: "conflict", reason: `one email on two source users (also ${other.key})` };
  }
  const taken = context.poolByEmail[0];
  if (taken)
    return {
      action: "conflict",
      reason: `email in Cognito with another realm_user_id (${taken.realmUserId ?? "none"}, user ${taken.username})`,
    };
  if (user.disabled && !context.policy.includeDisabled)
    return { action: "rejected", reason: "disabled in Realm" };
  if (!user.confirmed && !context.policy.includePending)
    return { action: "rejected", reason: "pending: email never confirmed" };
  return { action: "create" };
}
