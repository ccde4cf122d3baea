import { type Clock, systemClock } from "../clock.js";
import { OperatorError } from "../errors.js";
import { processAlive } from "../run-lock.js";
import { type Connection, connectionOf } from "./connection.js";
import type { ImportLedger } from "./import-ledger.js";

/**
 * Where a message to one user of one campaign stands.
 * - queued: chosen for the campaign, not tried yet
 * - sending: claimed by a run that has not recorded the outcome (yet)
 * - sent / failed / bounced: the outcome, with the transport's message id or reason
 * - unknown: a run died between claim and outcome; the message may or may not have left
 * - withdrawn: queued but no longer in the audience (e.g. the user reset meanwhile)
 */
export type SendStatus = "queued" | "sending" | "sent" | "failed" | "bounced" | "unknown" | "withdrawn";
export const SEND_STATUSES: readonly SendStatus[] = [
  "queued",
  "sending",
  "sent",
  "failed",
  "bounced",
  "unknown",
  "withdrawn",
];

export interface SendRecord {
  readonly campaign: string;
  readonly userKey: string;
  readonly email: string;
  readonly status: SendStatus;
  readonly reason: string | undefined;
  readonly messageId: string | undefined;
  readonly attempts: number;
  readonly at: string;
}

export interface Recipient {
  readonly userKey: string;
  readonly email: string;
}

/** Which earlier outcomes a run may send again; by default none (at most once). */
export interface ResendPolicy {
  readonly resendUnknown?: boolean;
  readonly retryFailed?: boolean;
}

export type ClaimResult = { claimed: true } | { claimed: false; status: SendStatus };

interface SendRow {
  campaign: string;
  user_key: string;
  email: string;
  status: SendStatus;
  reason: string | null;
  message_id: string | null;
  attempts: number;
  at: string;
}

function toRecord(row: SendRow): SendRecord {
  return {
    campaign: row.campaign,
    userKey: row.user_key,
    email: row.email,
    status: row.status,
    reason: row.reason ?? undefined,
    messageId: row.message_id ?? undefined,
    attempts: row.attempts,
    at: row.at,
  };
}

/**
 * Every notification the toolkit sends, one row per (campaign, user), with a claim-before-send protocol:
 * a row becomes `sending` in a committed transaction BEFORE the transport is called, and gets its outcome
 * after. A run killed in between leaves `sending`, which the next run turns into `unknown` and does not
 * send again unless asked: at most once, because a second reset notice is worse than a missing one that
 * the operator sees in the report.
 */
export class SendLedger {
  readonly #db: Connection;
  private readonly clock: Clock;

  /** The sends of an open ledger file (its notification tables; `ImportLedger.open` created them). */
  constructor(ledger: ImportLedger, options: { clock?: Clock } = {}) {
    this.#db = connectionOf(ledger);
    this.clock = options.clock ?? systemClock;
  }

  private stamp(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /**
   * Registers this process as the campaign's running sender. Refuses when another process that may be
   * alive holds the campaign: one on this host whose pid runs, or one on another host (we cannot see
   * it) unless the operator names it in `takeOver`. A dead or taken-over holder's claims become
   * `unknown`. Returns the number of such claims.
   */
  beginRun(
    campaign: string,
    runId: string,
    host: string,
    options: { takeOver?: string } = {},
  ): { interrupted: number } {
    return this.#db
      .transaction(() => {
        const open = this.#db
          .prepare(
            "SELECT run_id, pid, host FROM notification_runs WHERE campaign = ? AND finished_at IS NULL",
          )
          .all(campaign) as Array<{ run_id: string; pid: number; host: string }>;
        if (options.takeOver !== undefined && !open.some((run) => run.run_id === options.takeOver))
          throw new OperatorError(
            "CAMPAIGN_BUSY",
            `--take-over ${options.takeOver}: no unfinished run of campaign "${campaign}" has that id (${open.length === 0 ? "none is unfinished" : `unfinished: ${open.map((run) => run.run_id).join(", ")}`})`,
            { exitCode: 2 },
          );
        for (const run of open) {
          const here = run.host === host;
          const alive = here
            ? run.pid !== process.pid && processAlive(run.pid)
            : run.run_id !== options.takeOver;
          if (alive) {
            throw new OperatorError(
              "CAMPAIGN_BUSY",
              here
                ? `campaign "${campaign}" is being sent by run ${run.run_id} (pid ${run.pid} on this host); wait for it to end or stop it`
                : `campaign "${campaign}" is being sent by run ${run.run_id} (pid ${run.pid} on ${run.host}); wait for it to end, or if that process is gone, run again with --take-over ${run.run_id}`,
            );
          }
          this.#db
            .prepare("UPDATE notification_runs SET finished_at = ? WHERE run_id = ?")
            .run(
              here ? `died before ${this.stamp()}` : `taken over by ${runId} at ${this.stamp()}`,
              run.run_id,
            );
        }
        const stuck = this.#db
          .prepare("SELECT user_key FROM notification_sends WHERE campaign = ? AND status = 'sending'")
          .all(campaign) as Array<{ user_key: string }>;
        for (const { user_key } of stuck) {
          this.setStatus({
            campaign,
            userKey: user_key,
            status: "unknown",
            reason: "the run died between claiming and confirming this send; it may have been delivered",
            runId,
          });
        }
        this.#db
          .prepare(
            "INSERT INTO notification_runs (run_id, campaign, pid, host, started_at) VALUES (?, ?, ?, ?, ?)",
          )
          .run(runId, campaign, process.pid, host, this.stamp());
        return { interrupted: stuck.length };
      })
      .immediate();
  }

  endRun(runId: string): void {
    this.#db
      .prepare("UPDATE notification_runs SET finished_at = ? WHERE run_id = ?")
      .run(this.stamp(), runId);
  }

  /**
   * Puts the current audience on the campaign's list (new users as `queued`) and withdraws queued users
   * who left the audience. Returns how many were added and withdrawn.
   */
  enqueue(
    campaign: string,
    audience: Iterable<Recipient>,
    runId: string,
  ): { added: number; withdrawn: number } {
    return this.#db
      .transaction(() => {
        this.#db.exec("CREATE TEMP TABLE IF NOT EXISTS current_audience (user_key TEXT PRIMARY KEY)");
        this.#db.exec("DELETE FROM current_audience");
        const remember = this.#db.prepare("INSERT OR IGNORE INTO current_audience (user_key) VALUES (?)");
        const add = this.#db.prepare(
          "INSERT OR IGNORE INTO notification_sends (campaign, user_key, email, status, at, run_id) VALUES (?, ?, ?, 'queued', ?, ?)",
        );
        const at = this.stamp();
        let added = 0;
        for (const r of audience) {
          remember.run(r.userKey);
          added += add.run(campaign, r.userKey, r.email, at, runId).changes;
        }
        const leaving = this.#db
          .prepare(
            "SELECT user_key FROM notification_sends WHERE campaign = ? AND status = 'queued' AND user_key NOT IN (SELECT user_key FROM current_audience)",
          )
          .all(campaign) as Array<{ user_key: string }>;
        for (const { user_key } of leaving) {
          this.setStatus({
            campaign,
            userKey: user_key,
            status: "withdrawn",
            reason: "no longer in the audience",
            runId,
          });
        }
        // A withdrawn user who is back in the audience is queued again: nothing was sent to them.
        const back = this.#db
          .prepare(
            "SELECT user_key FROM notification_sends WHERE campaign = ? AND status = 'withdrawn' AND user_key IN (SELECT user_key FROM current_audience)",
          )
          .all(campaign) as Array<{ user_key: string }>;
        for (const { user_key } of back)
          this.setStatus({ campaign, userKey: user_key, status: "queued", runId });
        this.#db.exec("DELETE FROM current_audience");
        return { added: added + back.length, withdrawn: leaving.length };
      })
      .immediate();
  }

  /** The next users this run may send to, in the order they were queued. */
  nextBatch(
    campaign: string,
    size: number,
    policy: ResendPolicy = {},
    afterRowId = 0,
  ): Array<Recipient & { rowId: number }> {
    const statuses = ["'queued'"];
    if (policy.resendUnknown) statuses.push("'unknown'");
    if (policy.retryFailed) statuses.push("'failed'");
    const rows = this.#db
      .prepare(
        `SELECT rowid AS row_id, user_key, email FROM notification_sends
         WHERE campaign = ? AND status IN (${statuses.join(",")}) AND rowid > ? ORDER BY rowid LIMIT ?`,
      )
      .all(campaign, afterRowId, size) as Array<{ row_id: number; user_key: string; email: string }>;
    return rows.map((r) => ({ rowId: r.row_id, userKey: r.user_key, email: r.email }));
  }

  /**
   * Claims one user's send: commits `sending` before the transport is called. Another run (or an earlier
   * outcome) wins over this one; then nothing is sent.
   */
  claim(
    campaign: string,
    userKey: string,
    runId: string,
    transport: string,
    policy: ResendPolicy = {},
  ): ClaimResult {
    return this.#db
      .transaction((): ClaimResult => {
        const row = this.#db
          .prepare("SELECT status FROM notification_sends WHERE campaign = ? AND user_key = ?")
          .get(campaign, userKey) as { status: SendStatus } | undefined;
        if (row === undefined) return { claimed: false, status: "withdrawn" };
        const may =
          row.status === "queued" ||
          (row.status === "unknown" && policy.resendUnknown === true) ||
          (row.status === "failed" && policy.retryFailed === true);
        if (!may) return { claimed: false, status: row.status };
        this.#db
          .prepare(
            "UPDATE notification_sends SET status = 'sending', attempts = attempts + 1, run_id = ?, transport = ?, reason = NULL, at = ? WHERE campaign = ? AND user_key = ?",
          )
          .run(runId, transport, this.stamp(), campaign, userKey);
        this.history({ campaign, userKey, status: "sending", runId });
        return { claimed: true };
      })
      .immediate();
  }

  /** Records the outcome of a claimed send. */
  settle(
    campaign: string,
    userKey: string,
    runId: string,
    outcome:
      | { status: "sent"; messageId: string }
      | { status: "failed" | "bounced" | "unknown"; reason: string },
  ): void {
    this.#db
      .transaction(() => {
        if (outcome.status === "sent")
          this.setStatus({ campaign, userKey, status: "sent", messageId: outcome.messageId, runId });
        else this.setStatus({ campaign, userKey, status: outcome.status, reason: outcome.reason, runId });
      })
      .immediate();
  }

  /** The send a transport's message id belongs to, if any. */
  findByMessageId(messageId: string): SendRecord | undefined {
    const row = this.#db
      .prepare("SELECT * FROM notification_sends WHERE message_id = ? LIMIT 1")
      .get(messageId) as SendRow | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  /**
   * Records what became of a sent message after the fact (an SES bounce event), found by message id:
   * `bounced` for a permanent bounce, `failed` for one worth retrying. Returns false when no send has
   * that id.
   */
  recordLateOutcome(messageId: string, status: "bounced" | "failed", reason: string): boolean {
    const send = this.findByMessageId(messageId);
    if (send === undefined) return false;
    this.#db
      .transaction(() =>
        this.setStatus({ campaign: send.campaign, userKey: send.userKey, status, reason, messageId }),
      )
      .immediate();
    return true;
  }

  /** {@link recordLateOutcome} for a permanent bounce. */
  recordBounce(messageId: string, reason: string): boolean {
    return this.recordLateOutcome(messageId, "bounced", reason);
  }

  /** Counts by status for one campaign, or for all campaigns. */
  counts(campaign?: string): Record<SendStatus, number> {
    const result = Object.fromEntries(SEND_STATUSES.map((s) => [s, 0])) as Record<SendStatus, number>;
    const rows = (
      campaign === undefined
        ? this.#db.prepare("SELECT status, COUNT(*) AS n FROM notification_sends GROUP BY status").all()
        : this.#db
            .prepare(
              "SELECT status, COUNT(*) AS n FROM notification_sends WHERE campaign = ? GROUP BY status",
            )
            .all(campaign)
    ) as Array<{ status: SendStatus; n: number }>;
    for (const row of rows) result[row.status] = row.n;
    return result;
  }

  /** The campaigns with their counts. */
  campaigns(): Array<{ campaign: string; counts: Record<SendStatus, number> }> {
    const names = this.#db
      .prepare("SELECT DISTINCT campaign FROM notification_sends ORDER BY campaign")
      .all() as Array<{
      campaign: string;
    }>;
    return names.map(({ campaign }) => ({ campaign, counts: this.counts(campaign) }));
  }

  /** One user's record in one campaign. */
  get(campaign: string, userKey: string): SendRecord | undefined {
    const row = this.#db
      .prepare("SELECT * FROM notification_sends WHERE campaign = ? AND user_key = ?")
      .get(campaign, userKey) as SendRow | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  /** Every record of a campaign (or all), in queue order. */
  *records(campaign?: string): IterableIterator<SendRecord> {
    const rows = (
      campaign === undefined
        ? this.#db.prepare("SELECT * FROM notification_sends ORDER BY rowid")
        : this.#db
            .prepare("SELECT * FROM notification_sends WHERE campaign = ? ORDER BY rowid")
            .bind(campaign)
    ).iterate() as IterableIterator<SendRow>;
    for (const row of rows) yield toRecord(row);
  }

  /** Reasons of failed and bounced sends with their counts, most frequent first. */
  failureReasons(
    campaign?: string,
  ): Array<{ status: "failed" | "bounced" | "unknown"; reason: string; count: number }> {
    const where = campaign === undefined ? "" : "AND campaign = ?";
    const statement = this.#db.prepare(
      `SELECT status, COALESCE(reason, '') AS reason, COUNT(*) AS count FROM notification_sends
       WHERE status IN ('failed','bounced','unknown') ${where} GROUP BY status, reason ORDER BY count DESC`,
    );
    return (campaign === undefined ? statement.all() : statement.all(campaign)) as Array<{
      status: "failed" | "bounced" | "unknown";
      reason: string;
      count: number;
    }>;
  }

  /** Sends by day (UTC date of the last status change) and status, for the report. */
  sendsByDay(): Array<{ day: string; status: SendStatus; count: number }> {
    return this.#db
      .prepare(
        "SELECT substr(at, 1, 10) AS day, status, COUNT(*) AS count FROM notification_sends GROUP BY day, status ORDER BY day",
      )
      .all() as Array<{ day: string; status: SendStatus; count: number }>;
  }

  private setStatus(event: SendEvent): void {
    this.#db
      .prepare(
        "UPDATE notification_sends SET status = ?, reason = ?, message_id = COALESCE(?, message_id), at = ? WHERE campaign = ? AND user_key = ?",
      )
      .run(
        event.status,
        event.reason ?? null,
        event.messageId ?? null,
        this.stamp(),
        event.campaign,
        event.userKey,
      );
    this.history(event);
  }

  private history(event: SendEvent): void {
    this.#db
      .prepare(
        "INSERT INTO notification_send_history (campaign, user_key, status, reason, message_id, run_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        event.campaign,
        event.userKey,
        event.status,
        event.reason ?? null,
        event.messageId ?? null,
        event.runId ?? null,
        this.stamp(),
      );
  }
}

/** One change of a send's status, as recorded in its row and its history. */
interface SendEvent {
  readonly campaign: string;
  readonly userKey: string;
  readonly status: SendStatus;
  readonly reason?: string;
  readonly messageId?: string;
  readonly runId?: string | undefined;
}
