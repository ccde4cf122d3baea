import { OperatorError } from "../errors.js";
import type { ImportLedger, MatchedUser, PoolUser } from "../ledger/index.js";
import { hasReset } from "../reset.js";

/**
 * Where a source user stands, in the operator's words:
 * - migrated-with-password: phase 1 moved them (they were in the pool before import)
 * - imported-awaiting-reset: phase 2 created them without a password; they have not reset yet (as far as
 *   the last pool listing shows)
 * - imported-reset-done: imported, and the last pool listing shows they reset since (`hasReset`: CONFIRMED
 *   after a CSV job's RESET_REQUIRED, or changed after an admin-create import)
 * - still-in-realm: not in Cognito yet (planned, or never planned)
 * - import-failed: the import tried and failed; still not in Cognito
 * - rejected: will not be imported (bad email, pending, disabled, conflict), with the reason
 */
export type OperatorState =
  | "migrated-with-password"
  | "imported-awaiting-reset"
  | "imported-reset-done"
  | "still-in-realm"
  | "import-failed"
  | "rejected";

export const OPERATOR_STATES: readonly OperatorState[] = [
  "migrated-with-password",
  "imported-awaiting-reset",
  "imported-reset-done",
  "still-in-realm",
  "import-failed",
  "rejected",
];

/** One source user as the operator's commands see it. */
export interface OperatorUser {
  readonly key: string;
  readonly email: string;
  readonly state: OperatorState;
  readonly reason?: string;
  /** When the user arrived in Cognito (pool creation date, else the ledger's `created` entry). */
  readonly migratedAt?: string;
  readonly lastAuthenticatedAt?: string;
  readonly createdAt?: string;
  readonly confirmed: boolean;
  readonly disabled: boolean;
}

/** Users arriving in Cognito on one UTC day, by phase. */
export interface MigrationDay {
  readonly day: string;
  readonly withPassword: number;
  readonly imported: number;
}

/** A user the import could not bring over, or a conflict to resolve by hand. */
export interface ProblemUser {
  readonly key: string;
  readonly email: string;
  readonly kind: "import-failed" | "conflict";
  readonly reason: string;
}

/** What the operator's commands read; the CLI's ledger is one implementation, tests may build others. */
export interface LedgerView {
  users(): Iterable<OperatorUser>;
  migrationsByDay(): MigrationDay[];
  rejectsByReason(): Array<{ reason: string; count: number }>;
  /** The first `limit` failed imports and conflicts, and how many there are in all. */
  problems(limit: number): { readonly total: number; readonly first: readonly ProblemUser[] };
}

/** The operator's words for each state, for people (reports, terminals); the ids stay for machines. */
export const STATE_LABELS: Record<OperatorState, string> = {
  "migrated-with-password": "Migrated with their password",
  "imported-awaiting-reset": "Imported, password not reset yet",
  "imported-reset-done": "Imported, password reset done",
  "still-in-realm": "Still in Realm",
  "import-failed": "Import failed",
  rejected: "Rejected (will not be imported)",
};

const IN_COGNITO: ReadonlySet<OperatorState> = new Set([
  "migrated-with-password",
  "imported-awaiting-reset",
  "imported-reset-done",
]);

/** True when the user is in the Cognito pool, whichever phase put them there. */
export function isInCognito(state: OperatorState): boolean {
  return IN_COGNITO.has(state);
}

/**
 * The one count of the population every view shows (status, forecast, report, notify's audience), from
 * the same `users()` query: what is in Cognito, what is still to move, and what will not be moved.
 */
export interface Population {
  readonly total: number;
  readonly byState: Readonly<Record<OperatorState, number>>;
  readonly inCognito: number;
  /** Still in Realm or failed to import: the users phase 1 or a new import still has to move. */
  readonly notYetInCognito: number;
  readonly rejected: number;
  /** Users who are to move (everyone but the rejected): in Cognito plus not yet. */
  readonly toMove: number;
  /** Share of `toMove` in Cognito, 0–100, rounded down to one decimal; 0 for an empty ledger, 100 when all are rejected. */
  readonly percentComplete: number;
}

/** Counts a view's users once into the population every command reports. */
export function populationOf(view: LedgerView): Population {
  const byState = Object.fromEntries(OPERATOR_STATES.map((s) => [s, 0])) as Record<OperatorState, number>;
  for (const user of view.users()) byState[user.state]++;
  const total = OPERATOR_STATES.reduce((sum, s) => sum + byState[s], 0);
  const inCognito = [...IN_COGNITO].reduce((sum, s) => sum + byState[s], 0);
  const notYetInCognito = byState["still-in-realm"] + byState["import-failed"];
  const toMove = inCognito + notYetInCognito;
  return {
    total,
    byState,
    inCognito,
    notYetInCognito,
    rejected: byState.rejected,
    toMove,
    // An empty ledger has done nothing yet; a ledger of rejects only has nothing left to do.
    percentComplete: toMove === 0 ? (total === 0 ? 0 : 100) : Math.floor((1000 * inCognito) / toMove) / 10,
  };
}

type ViewedUser = MatchedUser;

// A pool listing taken after the import shows whether an imported user has reset (see `hasReset`).
function operatorStateOf(user: ViewedUser, pooled: PoolUser | undefined): OperatorState {
  switch (user.state) {
    case "already-present":
      return "migrated-with-password";
    case "created":
      return hasReset({
        engine: user.engine,
        poolStatus: pooled?.status,
        poolLastModifiedAt: pooled?.lastModifiedAt,
        importFinishedAt: user.importFinishedAt,
      })
        ? "imported-reset-done"
        : "imported-awaiting-reset";
    case "failed":
      return "import-failed";
    case "rejected":
    case "conflict":
      return "rejected";
    default:
      // planned: but if the pool listing already has them, phase 1 moved them after the plan.
      return pooled === undefined ? "still-in-realm" : "migrated-with-password";
  }
}

/**
 * Reads the CLI ledger's users and pool listing into the operator's own types.
 * Read-only: it never writes the CLI's tables.
 * @example const view = ledgerViewOf(ImportLedger.open(file));
 */
export function ledgerViewOf(ledger: ImportLedger): LedgerView {
  const missing = ledger.missingTables(["users", "history", "pool_users"])[0];
  if (missing !== undefined)
    throw new OperatorError(
      "LEDGER_UNREADABLE",
      `the ledger has no "${missing}" table: run \`realm-to-cognito plan\` first to create and fill it`,
    );
  return {
    // Read in pages, never through an open cursor: callers write to the same database between users.
    *users() {
      for (const { user, match } of ledger.usersWithPoolMatch()) {
        const pooled = match?.poolUser;
        const state = operatorStateOf(user, pooled);
        const migratedAt =
          state === "migrated-with-password"
            ? pooled?.createdAt
            : state.startsWith("imported")
              ? (user.importFinishedAt ?? pooled?.createdAt)
              : undefined;
        yield {
          key: user.key,
          email: user.email,
          state,
          ...(user.reason === undefined ? {} : { reason: user.reason }),
          ...(migratedAt === undefined ? {} : { migratedAt }),
          ...(user.user.lastAuthenticatedAt === undefined
            ? {}
            : { lastAuthenticatedAt: user.user.lastAuthenticatedAt }),
          ...(user.user.createdAt === undefined ? {} : { createdAt: user.user.createdAt }),
          confirmed: user.user.confirmed,
          disabled: user.user.disabled,
        };
      }
    },
    migrationsByDay() {
      return countMigrationsByDay(this.users());
    },
    rejectsByReason() {
      return ledger.rejectsByReason();
    },
    problems(limit) {
      const { total, first } = ledger.problemUsers(limit);
      return {
        total,
        first: first.map((r) => ({
          key: r.key,
          email: r.email,
          kind: r.state === "failed" ? ("import-failed" as const) : ("conflict" as const),
          reason: r.reason,
        })),
      };
    },
  };
}

/** A view over plain records, for tests and for a snapshot without a ledger. */
export function ledgerViewFromUsers(users: readonly OperatorUser[]): LedgerView {
  return {
    users: () => users,
    migrationsByDay: () => countMigrationsByDay(users),
    rejectsByReason() {
      const counts = new Map<string, number>();
      for (const user of users) {
        if (user.state === "rejected" || user.state === "import-failed") {
          const reason = user.reason ?? user.state;
          counts.set(reason, (counts.get(reason) ?? 0) + 1);
        }
      }
      return [...counts.entries()]
        .map(([reason, count]) => ({ reason, count }))
        .sort((a, b) => b.count - a.count);
    },
    problems(limit) {
      const all = users
        .filter((u) => u.state === "import-failed")
        .map((u) => ({
          key: u.key,
          email: u.email,
          kind: "import-failed" as const,
          reason: u.reason ?? "import failed",
        }));
      return { total: all.length, first: all.slice(0, limit) };
    },
  };
}

/** Users arriving in Cognito per UTC day, split by phase, in day order. */
export function countMigrationsByDay(users: Iterable<OperatorUser>): MigrationDay[] {
  const days = new Map<string, { withPassword: number; imported: number }>();
  for (const user of users) {
    if (user.migratedAt === undefined) continue;
    const day = user.migratedAt.slice(0, 10);
    const entry = days.get(day) ?? { withPassword: 0, imported: 0 };
    if (user.state === "migrated-with-password") entry.withPassword++;
    else entry.imported++;
    days.set(day, entry);
  }
  return [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, n]) => ({ day, ...n }));
}
