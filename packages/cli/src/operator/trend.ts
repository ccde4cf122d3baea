import { ImportLedger } from "../ledger/index.js";
import { ledgerViewOf, type MigrationDay } from "./ledger-view.js";

const BARS = ["·", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
const DAY_MS = 86_400_000;

export interface TrendOptions {
  /** Days shown, ending today; default 30. */
  readonly days?: number;
  /** "Today"; default now. */
  readonly now?: Date;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** One sparkline; each row scaled to its own peak, a zero day drawn as a dot. */
export function sparkline(values: readonly number[]): string {
  const peak = Math.max(0, ...values);
  return values
    .map((v) => (v <= 0 || peak === 0 ? BARS[0] : BARS[Math.max(1, Math.round((v / peak) * 8))]))
    .join("");
}

/**
 * A compact terminal chart of migrations a day (phase 1 with password, phase 2 imported) for `status`.
 * @example console.log(renderTrend(view.migrationsByDay(), { days: 30 }))
 */
export function renderTrend(history: readonly MigrationDay[], options: TrendOptions = {}): string {
  const span = Math.max(1, Math.floor(options.days ?? 30));
  const today = Date.parse(`${dayOf((options.now ?? new Date()).getTime())}T00:00:00Z`);
  const byDay = new Map(history.map((d) => [d.day, d]));
  const days = Array.from({ length: span }, (_, i) => dayOf(today - (span - 1 - i) * DAY_MS));
  const rows: Array<[string, number[]]> = [
    ["with password", days.map((d) => byDay.get(d)?.withPassword ?? 0)],
    ["imported", days.map((d) => byDay.get(d)?.imported ?? 0)],
  ];
  const lines = [`Migrations a day, ${days[0]} … ${days[days.length - 1]} (each row scaled to its peak)`];
  for (const [label, values] of rows) {
    const total = values.reduce((s, v) => s + v, 0);
    const peak = Math.max(...values);
    const peakDay = days[values.indexOf(peak)];
    const tail =
      total === 0
        ? "none"
        : `total ${total.toLocaleString("en")}, peak ${peak.toLocaleString("en")} on ${peakDay}`;
    lines.push(`${label.padEnd(13)} ${sparkline(values)}  ${tail}`);
  }
  const before = history.filter((d) => d.day < days[0]!).reduce((s, d) => s + d.withPassword + d.imported, 0);
  if (before > 0) lines.push(`(${before.toLocaleString("en")} earlier migrations not shown)`);
  return lines.join("\n");
}

/**
 * The trend straight from the CLI ledger's database, for `status` to print under its table.
 * @example if (!options.json) console.log(renderLedgerTrend(ledger))
 */
export function renderLedgerTrend(ledger: ImportLedger, options: TrendOptions = {}): string {
  return renderTrend(ledgerViewOf(ledger).migrationsByDay(), options);
}

/**
 * The trend of a ledger file; an empty ledger gives a line saying so.
 * @example process.stdout.write(`${renderLedgerFileTrend(config.ledger)}\n`)
 */
export function renderLedgerFileTrend(file: string, options: TrendOptions = {}): string {
  const ledger = ImportLedger.open(file);
  try {
    return ledger.size() === 0
      ? "Migrations a day: the ledger is empty (run plan first)."
      : renderLedgerTrend(ledger, options);
  } finally {
    ledger.close();
  }
}
