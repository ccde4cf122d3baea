import { createHash } from "node:crypto";
import {
  emailKey,
  emailRejection,
  formatSnapshotLine,
  type SnapshotLine,
  type SourcePosition,
  sourcePositionSchema,
} from "@realm-to-cognito/core";
import { type ImportLedger, ledgerKeyOf, type PlannedUser, type PoolUser } from "./ledger/index.js";
import { type PlanLine, type PlanLineIdentity, PlanScratch } from "./ledger/plan-scratch.js";
import { duplicateVerdict, type LineIdentity, whereIs } from "./plan-duplicates.js";
import { matchPoolUser } from "./pool-match.js";
import { readSnapshot } from "./snapshot-file.js";

export type PlanAction = "create" | "already-present" | "conflict" | "rejected";

export interface PlanPolicy {
  readonly includeDisabled: boolean;
  readonly includePending: boolean;
}

/** One user the plan does not simply create, with why. */
export interface PlanItem {
  /** Line of the snapshot. */
  readonly line: number;
  /** Where the user is in what the operator gave (their file's line, the Admin API page and item). */
  readonly at?: SourcePosition;
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
  // Pass 1: who shares an email, a key or an _id with whom, on disk rather than in memory.
  const scratch = new PlanScratch(ledger);
  let buffer: PlanLine[] = [];
  for await (const entry of readSnapshot(options.snapshot)) {
    if (!("user" in entry)) continue;
    const { user } = entry;
    buffer.push({
      line: entry.line,
      key: ledgerKeyOf(user),
      emailKey: emailKey(user.email),
      email: user.email,
      mongoId: user.mongoId ?? null,
      digest: digestOf(user),
      at: user.at ? JSON.stringify(user.at) : null,
    });
    if (buffer.length >= 5_000) {
      scratch.add(buffer);
      buffer = [];
    }
  }
  scratch.add(buffer);
  scratch.seal();
  const identityOf = (row: PlanLineIdentity): LineIdentity => ({
    line: row.line,
    key: row.key,
    digest: row.digest,
    ...(row.mongoId !== null ? { mongoId: row.mongoId } : {}),
    ...(row.at !== null ? { at: positionOf(row.at) } : {}),
  });

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
      const self: LineIdentity = {
        line,
        key,
        digest: digestOf(user),
        ...(user.mongoId !== undefined ? { mongoId: user.mongoId } : {}),
        ...(user.at ? { at: user.at } : {}),
      };
      const duplicate = duplicateVerdict(
        self,
        scratch.linesOfKey(key).map(identityOf),
        user.mongoId !== undefined ? scratch.linesOfMongoId(user.mongoId).map(identityOf) : [],
      );
      const at = user.at ? { at: user.at } : {};
      if (duplicate) {
        note({ line, ...at, key, email: user.email, action: duplicate.action, reason: duplicate.reason });
        // A conflict is recorded for the key (once, by its first line); a repeat changes nothing.
        if (duplicate.action === "conflict" && scratch.linesOfKey(key)[0]?.line === line)
          yield { key, user, emailKey: emailKey(user.email), state: "conflict", reason: duplicate.reason };
        continue;
      }
      const decision = classify(user, {
        policy,
        others: scratch.othersWithEmail(emailKey(user.email), key).map((other) => ({
          key: other.key,
          email: other.email,
          where: whereIs({ line: other.line, ...(other.at ? { at: positionOf(other.at) } : {}) }),
        })),
        poolByEmail: ledger.poolUsersByEmailKey(emailKey(user.email)),
        poolById: user.realmUserId ? ledger.poolUsersByRealmUserId(user.realmUserId) : [],
      });
      // Found in the pool because our own import put them there: phase 2 did, not phase 1.
      if (decision.action === "already-present" && importedByUs(ledger.get(key)))
        decision.reason = "imported in phase 2";
      note({
        line,
        ...at,
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
  scratch.close();
  return { snapshotLines: lines, counts, byReason, items, itemsLeftOut, ledgerChanges };
}

function importedByUs(row: { state: string; attempts: number; csvFile: string | undefined } | undefined) {
  return row !== undefined && (row.state === "created" || row.attempts > 0 || row.csvFile !== undefined);
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
    others: ReadonlyArray<{ key: string; email: string; where?: string }>;
    poolByEmail: readonly PoolUser[];
    poolById: readonly PoolUser[];
  },
): Decision {
  const match = matchPoolUser(user, { byRealmUserId: context.poolById, byEmail: context.poolByEmail });
  if (match?.by === "realm-user-id") {
    const mine = match.poolUser;
    return mine.email !== undefined && emailKey(mine.email) === emailKey(user.email)
      ? { action: "already-present", reason: "migrated in phase 1", cognitoUsername: mine.username }
      : {
          action: "conflict",
          reason: `realm_user_id in Cognito under another email (${mine.email ?? "none"})`,
        };
  }
  const rejection = emailRejection(user.email.trim());
  if (rejection) return { action: "rejected", reason: `invalid email: ${rejection.reason}` };
  const other = context.others[0];
  if (other) {
    const where = other.where ? `, ${other.where}` : "";
    return other.email !== user.email && emailKey(other.email) === emailKey(user.email)
      ? {
          action: "conflict",
          reason: `same email in different case as ${other.key} (${other.email}${where})`,
        }
      : { action: "conflict", reason: `one email on two source users (also ${other.key}${where})` };
  }
  // Found by email alone: the plan never takes it for this user (phase 1 would have set the Realm id).
  const taken = match?.poolUser;
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

// The user as exported, without where it was: two lines with equal digests are one document twice.
function digestOf(user: SnapshotLine): string {
  const { at: _, ...rest } = user;
  return createHash("sha256").update(formatSnapshotLine(rest)).digest("base64url");
}

function positionOf(text: string): SourcePosition | undefined {
  const parsed = sourcePositionSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}
