import type { SnapshotLine } from "@realm-to-cognito/core";
import type { PoolMatch } from "../pool-match.js";

export const LEDGER_STATES = [
  "planned",
  "created",
  "already-present",
  "rejected",
  "failed",
  "conflict",
] as const;
/** Where one source user stands. `created` and `already-present` are final: nothing moves them back. */
export type LedgerState = (typeof LEDGER_STATES)[number];
export type ImportEngine = "admin-create" | "csv-job";

/** One source user's row. */
export interface LedgerUser {
  /** The Realm user id, or `pending:<email key>` for a pending registration. */
  readonly key: string;
  readonly realmUserId: string | undefined;
  readonly email: string;
  readonly emailKey: string;
  readonly mongoId: string | undefined;
  readonly state: LedgerState;
  readonly reason: string | undefined;
  readonly attempts: number;
  readonly engine: ImportEngine | undefined;
  readonly cognitoUsername: string | undefined;
  readonly csvFile: string | undefined;
  readonly csvLine: number | undefined;
  readonly firstAttemptAt: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The snapshot line this row was planned from. */
  readonly user: SnapshotLine;
}

export interface HistoryEntry {
  readonly at: string;
  readonly fromState: LedgerState | undefined;
  readonly toState: LedgerState;
  readonly event: string;
  readonly detail: string | undefined;
}

/** A user as `plan` classified it. */
export interface PlannedUser {
  readonly key: string;
  readonly user: SnapshotLine;
  readonly emailKey: string;
  readonly state: Extract<LedgerState, "planned" | "already-present" | "rejected" | "conflict">;
  readonly reason?: string;
  readonly cognitoUsername?: string;
}

/** A user listed from the pool. */
export interface PoolUser {
  readonly username: string;
  readonly email?: string | undefined;
  readonly realmUserId?: string | undefined;
  readonly status?: string | undefined;
  readonly enabled: boolean;
  readonly createdAt?: string | undefined;
  /** The pool's UserLastModifiedDate: a password reset (among other changes) moves it. */
  readonly lastModifiedAt?: string | undefined;
}

export interface ImportJobRow {
  readonly jobId: string;
  readonly file: string;
  readonly status: string;
  readonly imported: number;
  readonly skipped: number;
  readonly failed: number;
  readonly message: string | undefined;
  readonly updatedAt: string;
}

/** A `users` row as SQLite returns it. */
export interface UserRow {
  key: string;
  realm_user_id: string | null;
  email: string;
  email_key: string;
  mongo_id: string | null;
  state: LedgerState;
  reason: string | null;
  attempts: number;
  engine: ImportEngine | null;
  cognito_username: string | null;
  csv_file: string | null;
  csv_line: number | null;
  first_attempt_at: string | null;
  user_json: string;
  created_at: string;
  updated_at: string;
}

/** A user with its import time and the pool user it is (see {@link ImportLedger.usersWithPoolMatch}). */
export type MatchedUser = Pick<
  LedgerUser,
  "key" | "realmUserId" | "email" | "emailKey" | "state" | "reason" | "engine" | "user"
> & { readonly importFinishedAt: string | undefined };

export type MatchedUserRow = Pick<
  UserRow,
  "key" | "realm_user_id" | "email" | "email_key" | "state" | "reason" | "engine" | "user_json"
> & { import_finished_at: string | null };

export interface UserWithPoolMatch {
  readonly user: MatchedUser;
  readonly match: PoolMatch<PoolUser> | undefined;
}

export interface PoolRow {
  username: string;
  email: string | null;
  realm_user_id: string | null;
  status: string | null;
  enabled: number;
  created_at: string | null;
  last_modified_at: string | null;
}

export function toPoolUser(row: PoolRow): PoolUser {
  return {
    username: row.username,
    email: row.email ?? undefined,
    realmUserId: row.realm_user_id ?? undefined,
    status: row.status ?? undefined,
    enabled: row.enabled === 1,
    createdAt: row.created_at ?? undefined,
    lastModifiedAt: row.last_modified_at ?? undefined,
  };
}

export function toLedgerUser(row: UserRow): LedgerUser {
  return {
    key: row.key,
    realmUserId: row.realm_user_id ?? undefined,
    email: row.email,
    emailKey: row.email_key,
    mongoId: row.mongo_id ?? undefined,
    state: row.state,
    reason: row.reason ?? undefined,
    attempts: row.attempts,
    engine: row.engine ?? undefined,
    cognitoUsername: row.cognito_username ?? undefined,
    csvFile: row.csv_file ?? undefined,
    csvLine: row.csv_line ?? undefined,
    firstAttemptAt: row.first_attempt_at ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    user: JSON.parse(row.user_json) as SnapshotLine,
  };
}

/** The ledger key of a source user: its Realm id, or `pending:<email key>` when it has none. */
export function ledgerKeyOf(user: { realmUserId?: string | undefined; email: string }): string {
  return user.realmUserId ?? `pending:${user.email.trim().toLowerCase()}`;
}
