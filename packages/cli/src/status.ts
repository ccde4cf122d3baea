import { type ImportLedger, LEDGER_STATES, type LedgerState } from "./ledger/index.js";
import {
  ledgerViewOf,
  type MigrationDay,
  type Population,
  populationOf,
  STATE_LABELS,
} from "./operator/ledger-view.js";
import { readableTime } from "./operator/report.js";
import { renderTrend } from "./operator/trend.js";
import { hasReset } from "./reset.js";

export interface StatusReport {
  /** The population as `forecast`, `report` and notify's audiences count it (one query, one truth). */
  readonly population: Population;
  /** Users arriving in Cognito a day, by phase: the trend under the table. */
  readonly migrationsByDay: readonly MigrationDay[];
  readonly ledger: Record<LedgerState, number> & { total: number };
  readonly pool: {
    readonly listedAt: string | undefined;
    readonly total: number;
    /** Realm users who reached Cognito through the migration trigger, with their password. */
    readonly migratedWithPassword: number;
    /** Users the import created who, as far as the pool shows, have not reset their password yet. */
    readonly importedAwaitingReset: number;
    /** Users the import created who have reset their password since (see `hasReset`). */
    readonly importedResetDone: number;
    /** Users with no realm_user_id: signed up in Cognito itself. */
    readonly signedUpInCognito: number;
  };
  readonly rejected: Record<string, number>;
  /** Pending registrations (never confirmed) in the ledger, whatever their state. */
  readonly pending: number;
}

/** Counts by state from the ledger and the stored pool listing. */
export function migrationStatus(ledger: ImportLedger): StatusReport {
  const counts = ledger.counts();
  const total = LEDGER_STATES.reduce((sum, state) => sum + counts[state], 0);
  const listing = ledger.poolListing();
  const rejected: Record<string, number> = {};
  for (const { state, reason, count } of ledger.reasons())
    if (state === "rejected") {
      const kind = reason.replace(/[:(].*$/, "").trim();
      rejected[kind] = (rejected[kind] ?? 0) + count;
    }
  const view = ledgerViewOf(ledger);
  const pool = ledger.poolCounts();
  return {
    population: populationOf(view),
    migrationsByDay: view.migrationsByDay(),
    ledger: { ...counts, total },
    pool: {
      listedAt: listing?.listedAt,
      total: pool.total,
      migratedWithPassword: pool.withRealmUserIdNotCreatedByImport,
      ...importedCounts(ledger),
      signedUpInCognito: pool.withoutRealmUserId,
    },
    rejected,
    pending: ledger.pendingCount(),
  };
}

// Imported users found in the pool listing (by the one matcher), split by whether they have reset since.
function importedCounts(ledger: ImportLedger): { importedAwaitingReset: number; importedResetDone: number } {
  let importedAwaitingReset = 0;
  let importedResetDone = 0;
  for (const { user, match } of ledger.usersWithPoolMatch(["created"])) {
    const pooled = match?.poolUser;
    if (pooled === undefined) continue;
    const reset = hasReset({
      engine: user.engine,
      poolStatus: pooled.status,
      poolLastModifiedAt: pooled.lastModifiedAt,
      importFinishedAt: user.importFinishedAt,
    });
    if (reset) importedResetDone++;
    else importedAwaitingReset++;
  }
  return { importedAwaitingReset, importedResetDone };
}

/** The report as aligned text lines: the headline, the population, the ledger and pool, the trend. */
export function formatStatus(report: StatusReport, options: { now?: Date; timeZone?: string } = {}): string {
  const p = report.population;
  const n = (value: number) => value.toLocaleString("en");
  const headline =
    p.total === 0
      ? "The ledger holds no users yet: run `realm-to-cognito plan` first."
      : `${p.percentComplete} % in Cognito: ${n(p.inCognito)} of ${n(p.toMove)} users to move (${n(p.rejected)} rejected not counted)`;
  const listed =
    report.pool.listedAt === undefined
      ? "never listed"
      : `listed ${readableTime(new Date(report.pool.listedAt), options.timeZone)}`;
  // The users by state come from the population alone (the count every command shows); the ledger's
  // raw states and the pool listing follow for the operator who digs.
  const rows: Array<[string, number | string]> = [
    ["users", p.total],
    ...(Object.entries(p.byState) as Array<[keyof typeof STATE_LABELS, number]>).map(
      ([state, count]): [string, number] => [`  ${STATE_LABELS[state]}`, count],
    ),
    ["ledger states", report.ledger.total],
    ...LEDGER_STATES.map((state): [string, number] => [`  ${state}`, report.ledger[state]]),
    ["  of them pending registrations", report.pending],
    ...Object.entries(report.rejected).map(([reason, count]): [string, number] => [
      `  rejected: ${reason}`,
      count,
    ]),
    [`pool (${listed})`, report.pool.total],
    ["  signed up in Cognito itself", report.pool.signedUpInCognito],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    headline,
    "",
    ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
    "",
    renderTrend(report.migrationsByDay, options.now ? { now: options.now } : {}),
  ].join("\n");
}
