import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Clock } from "../clock.js";
import type { Recipient, ResendPolicy, SendLedger, SendStatus } from "../ledger/send-ledger.js";
import { LONE_CALLER_CATCH_UP_MS, TokenBucket } from "../rate.js";
import { checkTemplate, type MessageTemplate, type RenderedMessage, renderMessage } from "./template.js";
import type { MailTransport } from "./transports/transport.js";

export interface NotifyOptions extends ResendPolicy {
  readonly campaign: string;
  readonly audience: Iterable<Recipient>;
  readonly template: MessageTemplate;
  readonly from: string;
  /** Fixed variables, e.g. appName, switchDate. `email` and `resetLink` are added per user. */
  readonly variables?: Readonly<Record<string, string>>;
  /** The reset page; `{email}` in it is replaced with the URL-encoded address. */
  readonly resetLink: string;
  /** Messages a second (token bucket, burst 1). */
  readonly ratePerSecond: number;
  /** Parallel sends; default 1. */
  readonly concurrency?: number;
  /** At most this many sends in this run. */
  readonly limit?: number;
  /** Show who would get the message; send and record nothing. */
  readonly dryRun?: boolean;
  /** Checked just before each send, e.g. "has this user reset meanwhile?"; false skips without recording. */
  readonly stillInAudience?: (recipient: Recipient) => Promise<boolean>;
  /** Stop after this many transport-down outcomes in a row (the relay is gone); default 5. */
  readonly stopAfterTransportFailures?: number;
  /**
   * The id of an unfinished run on another host that the operator knows is gone: its claims become
   * `unknown` and this run takes the campaign over (a run on this host is checked by its pid instead).
   */
  readonly takeOver?: string;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly onOutcome?: (event: { recipient: Recipient; status: SendStatus; reason?: string }) => void;
  /** Called once the campaign's list is up to date, with how many sends this run may make. */
  readonly onStart?: (pending: number) => void;
}

export interface NotifyResult {
  readonly campaign: string;
  readonly dryRun: boolean;
  readonly runId: string;
  /** Users newly put on the campaign's list by this run. */
  readonly queued: number;
  /** Queued users no longer in the audience. */
  readonly withdrawn: number;
  /** Claims a dead earlier run left behind, now `unknown` (not resent unless --resend-unknown). */
  readonly interrupted: number;
  readonly attempted: number;
  /** Left out at send time because `stillInAudience` said no (they stay queued). */
  readonly skipped: number;
  readonly sent: number;
  readonly failed: number;
  readonly bounced: number;
  readonly unknown: number;
  /** Dry run: who would get the message (up to the limit). */
  readonly wouldSend: readonly Recipient[];
  /** Dry run: the message the first of them would get, rendered, with its subject. */
  readonly sample?: RenderedMessage & { readonly to: string };
  readonly stoppedBecause?: string;
  /** The campaign's totals after the run. */
  readonly totals: Record<SendStatus, number>;
}

function resetLinkFor(pattern: string, email: string): string {
  return pattern.replaceAll("{email}", encodeURIComponent(email));
}

/**
 * Sends one campaign's message to its audience, at most once per user, through the send ledger's
 * claim-before-send protocol; resumable after any crash.
 */
export async function notify(
  ledger: SendLedger,
  transport: MailTransport,
  options: NotifyOptions,
): Promise<NotifyResult> {
  checkTemplate(options.template, ["email", "resetLink", ...Object.keys(options.variables ?? {})]);
  const runId = randomUUID();
  const policy: ResendPolicy = {
    ...(options.resendUnknown ? { resendUnknown: true } : {}),
    ...(options.retryFailed ? { retryFailed: true } : {}),
  };
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const render = (r: Recipient) =>
    renderMessage(options.template, {
      ...options.variables,
      email: r.email,
      resetLink: resetLinkFor(options.resetLink, r.email),
    });

  if (options.dryRun) {
    const wouldSend: Recipient[] = [];
    let sample: (RenderedMessage & { readonly to: string }) | undefined;
    for (const r of options.audience) {
      if (wouldSend.length >= limit) break;
      const record = ledger.get(options.campaign, r.userKey);
      const eligible =
        record === undefined ||
        record.status === "queued" ||
        record.status === "withdrawn" ||
        (record.status === "unknown" && policy.resendUnknown === true) ||
        (record.status === "failed" && policy.retryFailed === true);
      if (!eligible) continue;
      const message = render(r); // a template problem shows in the dry run too
      sample ??= { to: r.email, ...message };
      wouldSend.push(r);
    }
    return {
      campaign: options.campaign,
      dryRun: true,
      runId,
      queued: 0,
      withdrawn: 0,
      interrupted: 0,
      attempted: 0,
      skipped: 0,
      sent: 0,
      failed: 0,
      bounced: 0,
      unknown: 0,
      wouldSend,
      ...(sample ? { sample } : {}),
      totals: ledger.counts(options.campaign),
    };
  }

  const { interrupted } = ledger.beginRun(
    options.campaign,
    runId,
    hostname(),
    options.takeOver === undefined ? {} : { takeOver: options.takeOver },
  );
  const tally = { attempted: 0, skipped: 0, sent: 0, failed: 0, bounced: 0, unknown: 0 };
  let stoppedBecause: string | undefined;
  let queued = 0;
  let withdrawn = 0;
  try {
    ({ added: queued, withdrawn } = ledger.enqueue(options.campaign, options.audience, runId));
    const counts = ledger.counts(options.campaign);
    const eligible =
      counts.queued + (policy.resendUnknown ? counts.unknown : 0) + (policy.retryFailed ? counts.failed : 0);
    options.onStart?.(Math.min(eligible, limit));
    const bucket = new TokenBucket(options.ratePerSecond, {
      burst: 1,
      catchUpMs: LONE_CALLER_CATCH_UP_MS,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const stopAfter = options.stopAfterTransportFailures ?? 5;
    let downInARow = 0;
    let cursor = 0;
    let budget = limit;
    let batch: Array<Recipient & { rowId: number }> = [];

    // Workers share one cursor over the queue; the claim decides who sends, so overlap is harmless.
    const next = (): (Recipient & { rowId: number }) | undefined => {
      if (batch.length === 0) {
        batch = ledger.nextBatch(options.campaign, 200, policy, cursor);
        const last = batch[batch.length - 1];
        if (last !== undefined) cursor = last.rowId;
      }
      return batch.shift();
    };

    const worker = async () => {
      for (;;) {
        if (stoppedBecause !== undefined) return;
        if (options.signal?.aborted) {
          stoppedBecause = "interrupted by the operator";
          return;
        }
        if (budget <= 0) return;
        const recipient = next();
        if (recipient === undefined) return;
        if (options.stillInAudience && !(await options.stillInAudience(recipient))) {
          tally.skipped++;
          continue;
        }
        budget--;
        await bucket.take();
        const message = render(recipient);
        if (!ledger.claim(options.campaign, recipient.userKey, runId, transport.name, policy).claimed) {
          budget++;
          continue;
        }
        tally.attempted++;
        const outcome = await transport.send({
          ...message,
          from: options.from,
          to: recipient.email,
          campaign: options.campaign,
        });
        ledger.settle(options.campaign, recipient.userKey, runId, outcome);
        tally[outcome.status]++;
        if (outcome.status === "sent") {
          downInARow = 0;
          options.onOutcome?.({ recipient, status: "sent" });
        } else {
          downInARow = outcome.transportDown ? downInARow + 1 : 0;
          options.onOutcome?.({ recipient, status: outcome.status, reason: outcome.reason });
          if (downInARow >= stopAfter) {
            stoppedBecause = `the transport failed ${downInARow} times in a row (last: ${outcome.reason}); fix it and re-run`;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
  } finally {
    ledger.endRun(runId);
  }
  return {
    campaign: options.campaign,
    dryRun: false,
    runId,
    queued,
    withdrawn,
    interrupted,
    ...tally,
    wouldSend: [],
    ...(stoppedBecause === undefined ? {} : { stoppedBecause }),
    totals: ledger.counts(options.campaign),
  };
}
