import type { SendLedger, SendStatus } from "../ledger/send-ledger.js";
import type { Forecast } from "./forecast.js";
import {
  type LedgerView,
  type MigrationDay,
  OPERATOR_STATES,
  type OperatorState,
  type Population,
  type ProblemUser,
  populationOf,
  STATE_LABELS,
} from "./ledger-view.js";
import { escapeHtml as esc } from "./template.js";

/** Everything the report shows, gathered once so the HTML is a pure function of it. */
export interface ReportData {
  readonly title: string;
  readonly generatedAt: string;
  /** `generatedAt` in the reader's words and time zone, e.g. "Fri, 27 Nov 2026, 10:00 CET". */
  readonly generatedAtLocal: string;
  readonly population: Population;
  /** The one thing to do next, in a sentence with its command. */
  readonly nextStep: string;
  /** The first 100 failed imports and conflicts, and their count. */
  readonly problems: { readonly total: number; readonly first: readonly ProblemUser[] };
  readonly usersByState: ReadonlyArray<{ state: OperatorState; label: string; count: number }>;
  readonly migrationsByDay: readonly MigrationDay[];
  readonly forecast: Forecast | undefined;
  readonly rejects: ReadonlyArray<{ reason: string; count: number }>;
  readonly notifications: ReadonlyArray<{ campaign: string; counts: Record<SendStatus, number> }>;
  readonly notificationFailures: ReadonlyArray<{ status: string; reason: string; count: number }>;
}

export const PROBLEMS_LISTED = 100;

/** A moment as a person reads it, in their time zone (the machine's unless given). */
export function readableTime(at: Date, timeZone?: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
    ...(timeZone ? { timeZone } : {}),
  }).format(at);
}

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/** The next step, from the population: failures first, then conflicts, then who is still to move. */
export function nextStepOf(
  population: Population,
  problems: { readonly first: readonly ProblemUser[]; readonly total: number },
  notificationsSent: number,
): string {
  const s = population.byState;
  const imported = s["imported-awaiting-reset"] + s["imported-reset-done"];
  if (population.total === 0) return "Fill the ledger: realm-to-cognito export, then realm-to-cognito plan.";
  if (s["import-failed"] > 0)
    return `Retry the ${plural(s["import-failed"], "failed import")}: realm-to-cognito import --retry-failed (reasons below).`;
  // No failed import is left here, so every problem is a conflict.
  if (problems.total > 0)
    return `Resolve the ${plural(problems.total, "conflict")} listed below by hand, then run realm-to-cognito plan again.`;
  if (s["still-in-realm"] > 0 && imported > 0)
    return `Import the ${plural(s["still-in-realm"], "user")} still in Realm: realm-to-cognito plan, then realm-to-cognito import.`;
  if (s["still-in-realm"] > 0)
    return `Phase 1 moves users as they sign in; ${plural(s["still-in-realm"], "user is", "users are")} still in Realm. Remind them (realm-to-cognito notify --audience still-in-realm), or switch: realm-to-cognito plan, then import.`;
  if (s["imported-awaiting-reset"] > 0 && notificationsSent === 0)
    return `Tell the ${plural(s["imported-awaiting-reset"], "imported user")} to choose a new password: realm-to-cognito notify.`;
  return "Nothing is left to move: every user to move is in Cognito.";
}

/** Reads the report's figures from the ledger view, the send ledger and a forecast. */
export function gatherReport(
  view: LedgerView,
  sends: SendLedger | undefined,
  forecast: Forecast | undefined,
  options: { title?: string; now?: Date; timeZone?: string } = {},
): ReportData {
  const population = populationOf(view);
  const now = options.now ?? new Date();
  const problems = view.problems(PROBLEMS_LISTED);
  const notifications = sends?.campaigns() ?? [];
  const sent = notifications.reduce((sum, c) => sum + c.counts.sent, 0);
  return {
    title: options.title ?? "Realm → Cognito migration",
    generatedAt: now.toISOString(),
    generatedAtLocal: readableTime(now, options.timeZone),
    population,
    nextStep: nextStepOf(population, problems, sent),
    problems,
    usersByState: OPERATOR_STATES.map((state) => ({
      state,
      label: STATE_LABELS[state],
      count: population.byState[state],
    })),
    migrationsByDay: view.migrationsByDay(),
    forecast,
    rejects: view.rejectsByReason(),
    notifications,
    notificationFailures: sends?.failureReasons() ?? [],
  };
}

const STATE_COLORS: Record<OperatorState, string> = {
  "migrated-with-password": "#2e7d32",
  "imported-awaiting-reset": "#f9a825",
  "imported-reset-done": "#66bb6a",
  "still-in-realm": "#1565c0",
  "import-failed": "#c62828",
  rejected: "#8e24aa",
};
const SEND_COLORS: Record<SendStatus, string> = {
  queued: "#90a4ae",
  sending: "#ffb300",
  sent: "#2e7d32",
  failed: "#c62828",
  bounced: "#ad1457",
  unknown: "#ff6f00",
  withdrawn: "#607d8b",
};

const fmt = (n: number) => Math.round(n).toLocaleString("en");

function shorten(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

function empty(message: string): string {
  return `<p class="empty">${esc(message)}</p>`;
}

/** Horizontal bars, one per item, labelled with the count. */
function barChart(id: string, items: ReadonlyArray<{ label: string; value: number; color: string }>): string {
  if (items.length === 0 || items.every((i) => i.value === 0)) return empty("Nothing to show yet.");
  const width = 640;
  const labelWidth = 260;
  const row = 26;
  const height = items.length * row + 8;
  const peak = Math.max(...items.map((i) => i.value));
  const bars = items
    .map((item, index) => {
      const y = 4 + index * row;
      const w =
        peak === 0 ? 0 : Math.max(item.value > 0 ? 2 : 0, ((width - labelWidth - 70) * item.value) / peak);
      return `<g><title>${esc(item.label)}: ${fmt(item.value)}</title>
<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end" class="label">${esc(shorten(item.label, 34))}</text>
<rect class="bar" x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 8}" rx="3" fill="${item.color}"/>
<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 16}" class="value">${fmt(item.value)}</text></g>`;
    })
    .join("\n");
  return `<svg id="${id}" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${bars}</svg>`;
}

const MIN_DAYS_SHOWN = 14;
const MAX_COLUMN_WIDTH = 36;
const DATE_LABEL_SPACING = 110;

function shortDate(day: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  }).format(new Date(`${day}T00:00:00Z`));
}

/** Which columns get a date under them: evenly spaced, each at most once, never closer than the spacing. */
export function dateLabelIndices(columns: number, plotWidth: number): number[] {
  const most = Math.max(1, Math.floor(plotWidth / DATE_LABEL_SPACING));
  if (columns <= most) return Array.from({ length: columns }, (_, i) => i);
  const step = Math.ceil((columns - 1) / Math.max(1, most - 1));
  const picked: number[] = [];
  for (let i = 0; i < columns; i += step) picked.push(i);
  // The last day is always labelled; a regular label too close to it gives way.
  if (picked.length > 1 && columns - 1 - picked[picked.length - 1]! < step * 0.6) picked.pop();
  if (picked[picked.length - 1] !== columns - 1) picked.push(columns - 1);
  return picked;
}

/**
 * Stacked columns a day: phase 1 (with password) under phase 2 (imported). At least two weeks are shown
 * (ending on the last day), so a single day is one narrow column, not a wall.
 */
function migrationsChart(days: readonly MigrationDay[]): string {
  if (days.length === 0) return empty("No user has arrived in Cognito yet.");
  const last = Date.parse(`${days[days.length - 1]!.day}T00:00:00Z`);
  const first = Math.min(Date.parse(`${days[0]!.day}T00:00:00Z`), last - (MIN_DAYS_SHOWN - 1) * 86_400_000);
  const span = Math.round((last - first) / 86_400_000) + 1;
  const byDay = new Map(days.map((d) => [d.day, d]));
  const all = Array.from({ length: span }, (_, i) => {
    const day = new Date(first + i * 86_400_000).toISOString().slice(0, 10);
    return byDay.get(day) ?? { day, withPassword: 0, imported: 0 };
  });
  const width = 760;
  const height = 240;
  const left = 50;
  const bottom = 30;
  const plotW = width - left - 10;
  const plotH = height - bottom - 10;
  const peak = Math.max(1, ...all.map((d) => d.withPassword + d.imported));
  const colW = plotW / all.length;
  const scale = (v: number) => (plotH * v) / peak;
  const columns = all
    .map((d, i) => {
      const w = Math.max(1, Math.min(MAX_COLUMN_WIDTH, colW - 1));
      const x = left + i * colW + (colW - w) / 2;
      const h1 = scale(d.withPassword);
      const h2 = scale(d.imported);
      const base = 10 + plotH;
      return `<g><title>${shortDate(d.day)}: ${fmt(d.withPassword)} with password, ${fmt(d.imported)} imported</title>${
        h1 > 0
          ? `<rect class="bar" x="${x.toFixed(1)}" y="${(base - h1).toFixed(1)}" width="${w.toFixed(1)}" height="${h1.toFixed(1)}" fill="${STATE_COLORS["migrated-with-password"]}"/>`
          : ""
      }${
        h2 > 0
          ? `<rect class="bar" x="${x.toFixed(1)}" y="${(base - h1 - h2).toFixed(1)}" width="${w.toFixed(1)}" height="${h2.toFixed(1)}" fill="${STATE_COLORS["imported-awaiting-reset"]}"/>`
          : ""
      }</g>`;
    })
    .join("");
  // Whole users only: a middle line only when it falls on a whole number worth showing.
  const tickValues = peak >= 4 ? [0, Math.round(peak / 2), peak] : [0, peak];
  const ticks = tickValues
    .map((v) => {
      const y = 10 + plotH - scale(v);
      return `<line x1="${left}" x2="${width - 10}" y1="${y}" y2="${y}" class="grid"/><text x="${left - 6}" y="${y + 4}" text-anchor="end" class="axis">${fmt(v)}</text>`;
    })
    .join("");
  const indices = dateLabelIndices(all.length, plotW);
  const labels = indices
    .map((index, i) => {
      const x = left + index * colW + colW / 2;
      // The outermost labels keep inside the chart.
      const anchor =
        indices.length > 1 && i === 0
          ? "start"
          : indices.length > 1 && i === indices.length - 1
            ? "end"
            : "middle";
      const ax = anchor === "start" ? left + index * colW : anchor === "end" ? left + (index + 1) * colW : x;
      return `<text x="${ax.toFixed(1)}" y="${height - 8}" text-anchor="${anchor}" class="axis date">${shortDate(all[index]!.day)}</text>`;
    })
    .join("");
  return `<svg id="chart-migrations" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${ticks}${columns}${labels}</svg>
<p class="legend"><span style="background:${STATE_COLORS["migrated-with-password"]}"></span>phase 1, with password <span style="background:${STATE_COLORS["imported-awaiting-reset"]}"></span>phase 2, imported</p>`;
}

/** Expected users migrated by week, with the 10–90 % band and the total as a ceiling. */
function forecastChart(forecast: Forecast): string {
  const width = 760;
  const height = 260;
  const left = 60;
  const bottom = 30;
  const plotW = width - left - 20;
  const plotH = height - bottom - 14;
  const points = [
    {
      week: 0,
      expectedMigrated: forecast.totals.alreadyMigrated,
      low: forecast.totals.alreadyMigrated,
      high: forecast.totals.alreadyMigrated,
    },
    ...forecast.curve,
  ];
  const maxWeek = Math.max(...points.map((p) => p.week));
  const top = Math.max(1, forecast.totals.users);
  const x = (w: number) => left + (plotW * w) / maxWeek;
  const y = (v: number) => 14 + plotH - (plotH * v) / top;
  const line = points
    .map((p, i) => `${i === 0 ? "M" : "L"}${x(p.week).toFixed(1)},${y(p.expectedMigrated).toFixed(1)}`)
    .join(" ");
  const band = `${points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.week).toFixed(1)},${y(p.high).toFixed(1)}`).join(" ")} ${[
    ...points,
  ]
    .reverse()
    .map((p) => `L${x(p.week).toFixed(1)},${y(p.low).toFixed(1)}`)
    .join(" ")} Z`;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<line x1="${left}" x2="${width - 20}" y1="${y(top * f).toFixed(1)}" y2="${y(top * f).toFixed(1)}" class="grid"/><text x="${left - 6}" y="${(y(top * f) + 4).toFixed(1)}" text-anchor="end" class="axis">${fmt(top * f)}</text>`,
    )
    .join("");
  const weeks = points
    .map(
      (p) =>
        `<text x="${x(p.week).toFixed(1)}" y="${height - 8}" text-anchor="middle" class="axis">${p.week === 0 ? "now" : `w${p.week}`}</text><circle class="point" cx="${x(p.week).toFixed(1)}" cy="${y(p.expectedMigrated).toFixed(1)}" r="3.5"><title>week ${p.week}: ${fmt(p.expectedMigrated)} migrated (${fmt(p.low)}–${fmt(p.high)})</title></circle>`,
    )
    .join("");
  const switchX = x(Math.min(forecast.switchAfterWeeks, maxWeek));
  // The switch is drawn only when the operator named its week.
  const switchLine = forecast.switchPlanned
    ? `<line x1="${switchX.toFixed(1)}" x2="${switchX.toFixed(1)}" y1="14" y2="${14 + plotH}" class="switch"/>
<text x="${(switchX - 4).toFixed(1)}" y="28" text-anchor="end" class="axis">switch</text>`
    : "";
  return `<svg id="chart-forecast" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${grid}
<path class="band" d="${band}" fill="#1565c0" fill-opacity="0.18"/>
<path class="line" d="${line}" fill="none" stroke="#1565c0" stroke-width="2.5"/>
${switchLine}
${weeks}</svg>
<p class="legend"><span style="background:#1565c0"></span>expected users migrated with their password (band: 10–90 %); top line: all ${fmt(forecast.totals.users)} users</p>`;
}

function table(headers: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  if (rows.length === 0) return "";
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c) => `<td${typeof c === "number" ? ' class="num"' : ""}>${esc(typeof c === "number" ? fmt(c) : c)}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:820px;color:#1d2430;background:#fafbfc;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
.meta{color:#5b6675;margin:0 0 12px}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:22px}.card span{color:#5b6675;font-size:12px}
.chart{display:block;max-width:100%;height:auto;background:#fff;border:1px solid #dde3ea;border-radius:8px}
.label{font-size:12px;fill:#1d2430}.value,.axis{font-size:11px;fill:#5b6675}.grid{stroke:#e6ebf0}
.switch{stroke:#c62828;stroke-dasharray:4 3}.point{fill:#1565c0}
.legend{font-size:12px;color:#5b6675}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
table{border-collapse:collapse;margin:8px 0;font-size:13px;background:#fff}th,td{border:1px solid #dde3ea;padding:3px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.empty{color:#5b6675;font-style:italic}
ul.assumptions{font-size:12px;color:#3b4654}
.headline{font-size:15px;margin:8px 0 4px}.headline b{font-size:34px;margin-right:8px}.headline span{display:block;color:#5b6675}
.progress{height:10px;background:#e6ebf0;border-radius:5px;overflow:hidden;max-width:560px}.progress div{height:100%;background:#2e7d32}
.next{background:#fff8e1;border:1px solid #ffe082;border-radius:8px;padding:8px 12px}`;

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched.
 * @example writeFileSync("report.html", renderReportHtml(gatherReport(view, sends, forecast)))
 */
export function renderReportHtml(data: ReportData): string {
  const p = data.population;
  const count = (state: OperatorState) => p.byState[state];
  const cards = [
    [STATE_LABELS["migrated-with-password"], count("migrated-with-password")],
    ["Imported (phase 2)", count("imported-awaiting-reset") + count("imported-reset-done")],
    ["Not in Cognito yet", p.notYetInCognito],
    ["Rejected (will not move)", p.rejected],
  ]
    .map(
      ([label, n]) =>
        `<div class="card"><b>${fmt(n as number)}</b><span>${esc(label as string)}</span></div>`,
    )
    .join("");
  const sendTotals = new Map<SendStatus, number>();
  for (const c of data.notifications) {
    for (const [status, n] of Object.entries(c.counts) as Array<[SendStatus, number]>) {
      sendTotals.set(status, (sendTotals.get(status) ?? 0) + n);
    }
  }
  const f = data.forecast;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(data.title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(data.title)}</h1>
<p class="meta">${esc(data.generatedAtLocal)}, from the migration ledger.</p>
<p class="headline" id="headline"><b>${p.percentComplete} %</b> of users are in Cognito
<span>${fmt(p.inCognito)} of ${fmt(p.toMove)} users to move${p.rejected > 0 ? `; ${fmt(p.rejected)} rejected are not counted` : ""}</span></p>
<div class="progress"><div style="width:${Math.min(100, p.percentComplete)}%"></div></div>
<p class="next" id="next-step"><b>Next step:</b> ${esc(data.nextStep)}</p>
<div class="cards">${cards}</div>

<h2>Users by state</h2>
${barChart(
  "chart-states",
  data.usersByState.map((r) => ({ label: r.label, value: r.count, color: STATE_COLORS[r.state] })),
)}

<h2>Migrations a day</h2>
${migrationsChart(data.migrationsByDay)}

<h2>Forecast of phase 1</h2>
${
  f === undefined
    ? empty(
        p.notYetInCognito === 0
          ? "No forecast needed: nobody is left in Realm."
          : "No forecast: the ledger holds no sign-in dates for the users still in Realm.",
      )
    : `${forecastChart(f)}
<p>Of the ${fmt(f.totals.remaining)} users not in Cognito yet, about <b>${fmt(f.likelyLeftAtSwitch)}</b> are likely still
in Realm ${f.switchPlanned ? `at the switch after week ${f.switchAfterWeeks}` : `after week ${f.switchAfterWeeks}`} and left for phase 2
(${fmt(f.totals.dormant)} dormant, ${fmt(f.totals.neverSignedIn)} never signed in).</p>
${table(
  ["week", "expected migrated", "10 %", "90 %", "left for phase 2"],
  f.curve.map((p) => [String(p.week), p.expectedMigrated, p.low, p.high, p.expectedLeft]),
)}
<p class="meta">${esc(f.model)} Fitted shape ${f.parameters.shape}, scale ${f.parameters.scaleDays} days.</p>
<ul class="assumptions">${f.assumptions.map((a) => `<li>${esc(a)}</li>`).join("")}</ul>`
}

<h2>Failed imports and conflicts</h2>
${
  data.problems.total === 0
    ? empty("None.")
    : `<p id="problem-count">${fmt(data.problems.total)} users${
        data.problems.total > data.problems.first.length
          ? `; the first ${fmt(data.problems.first.length)} are listed (the ledger holds them all)`
          : ""
      }.</p>
${table(
  ["user", "email", "what happened", "reason"],
  data.problems.first.map((u) => [
    u.key,
    u.email,
    u.kind === "import-failed" ? "Import failed" : "Conflict",
    u.reason,
  ]),
)}`
}

<h2>Not moved, by reason (rejected or failed)</h2>
${barChart(
  "chart-rejects",
  data.rejects.map((r) => ({ label: r.reason, value: r.count, color: STATE_COLORS.rejected })),
)}

<h2>Notification outcomes</h2>
${barChart(
  "chart-notifications",
  [...sendTotals.entries()]
    .filter(([, n]) => n > 0)
    .map(([status, n]) => ({ label: status, value: n, color: SEND_COLORS[status] })),
)}
${table(
  ["campaign", "sent", "queued", "failed", "bounced", "unknown", "withdrawn"],
  data.notifications.map((c) => [
    c.campaign,
    c.counts.sent,
    c.counts.queued,
    c.counts.failed,
    c.counts.bounced,
    c.counts.unknown + c.counts.sending,
    c.counts.withdrawn,
  ]),
)}
${table(
  ["outcome", "reason", "users"],
  data.notificationFailures.map((r) => [r.status, r.reason, r.count]),
)}
</body></html>
`;
}
