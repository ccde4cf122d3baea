import { readFile } from "node:fs/promises";
import { z } from "zod";
import { OperatorError } from "../errors.js";
import type { SendLedger, SendRecord } from "../ledger/send-ledger.js";

/**
 * SES reports what happened to a message after SendEmail answered: bounces, complaints, deliveries,
 * through SNS (notifications or event publishing), SQS or EventBridge. This reads such events from a
 * file and records the late outcome of our sends: a permanent bounce becomes `bounced` (never retried),
 * a transient or undetermined one `failed` (retried with --retry-failed).
 */

const recipientSchema = z.looseObject({
  emailAddress: z.string(),
  status: z.string().optional(),
  diagnosticCode: z.string().optional(),
});

const sesEventSchema = z.looseObject({
  mail: z.looseObject({
    messageId: z.string().min(1),
    commonHeaders: z.looseObject({ messageId: z.string().optional() }).optional(),
  }),
  bounce: z
    .looseObject({
      bounceType: z.string(),
      bounceSubType: z.string().optional(),
      bouncedRecipients: z.array(recipientSchema).default([]),
    })
    .optional(),
  complaint: z.looseObject({ complainedRecipients: z.array(recipientSchema).default([]) }).optional(),
});

type SesEvent = z.infer<typeof sesEventSchema> & { kind: string };

export interface LateOutcomeRecord {
  /** Where in the file: "line 3" (NDJSON) or "item 2" (a JSON array or SQS batch). */
  readonly where: string;
  readonly messageId: string;
  readonly outcome: "bounced" | "failed" | "already-recorded" | "unmatched" | "complaint" | "ignored";
  readonly detail?: string;
}

export interface RejectedEvent {
  readonly where: string;
  readonly reason: string;
}

export interface BounceImportResult {
  readonly events: number;
  readonly bounced: number;
  readonly failed: number;
  readonly alreadyRecorded: number;
  readonly unmatched: number;
  readonly complaints: number;
  readonly ignored: number;
  readonly records: readonly LateOutcomeRecord[];
  readonly rejected: readonly RejectedEvent[];
}

/** Unwraps SQS batches and messages, SNS envelopes and EventBridge events down to SES events. */
function sesEventsIn(value: unknown, depth = 0): unknown[] {
  if (depth > 4 || typeof value !== "object" || value === null) return [value];
  if (Array.isArray(value)) return value.flatMap((item) => sesEventsIn(item, depth + 1));
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.Messages)) return sesEventsIn(record.Messages, depth + 1);
  for (const key of ["Body", "Message"] as const) {
    const text = record[key];
    if (typeof text === "string" && (record.Type === "Notification" || key === "Body"))
      return sesEventsIn(JSON.parse(text) as unknown, depth + 1);
  }
  if (record.source === "aws.ses" && typeof record.detail === "object") return [record.detail];
  return [record];
}

function eventKind(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const kind = record.notificationType ?? record.eventType;
  return typeof kind === "string" ? kind : undefined;
}

function parseEvent(value: unknown): SesEvent {
  const kind = eventKind(value);
  if (kind === undefined) throw new Error("not an SES event: it has neither notificationType nor eventType");
  const parsed = sesEventSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${kind} event: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  if (kind === "Bounce" && parsed.data.bounce === undefined)
    throw new Error("Bounce event without a bounce object");
  return { ...parsed.data, kind };
}

/**
 * The file's documents: one JSON document (an array or an SQS batch counts item by item), or
 * NDJSON, one a line. `where` names the place for a report ("line 3", "item 2").
 */
function documentsOf(text: string): Array<{ where: string; parse: () => unknown }> {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return text
      .split("\n")
      .map((raw, index) => ({ raw: raw.trim(), where: `line ${index + 1}` }))
      .filter(({ raw }) => raw.length > 0)
      .map(({ raw, where }) => ({ where, parse: () => JSON.parse(raw) as unknown }));
  }
  const items = Array.isArray(whole)
    ? whole
    : typeof whole === "object" && whole !== null && Array.isArray((whole as { Messages?: unknown }).Messages)
      ? (whole as { Messages: unknown[] }).Messages
      : [whole];
  return items.map((item, index) => ({ where: `item ${index + 1}`, parse: () => item }));
}

function bounceReason(event: SesEvent): string {
  const bounce = event.bounce!;
  const recipient = bounce.bouncedRecipients[0];
  const code = recipient?.diagnosticCode ?? recipient?.status;
  return `SES ${bounce.bounceType.toLowerCase()} bounce (${bounce.bounceSubType ?? "no subtype"})${code ? `: ${code}` : ""}`;
}

/** Our send the event is about: by SES's message id, or by the Message-ID header an SMTP send recorded. */
function knownSend(ledger: SendLedger, event: SesEvent): SendRecord | undefined {
  for (const id of [event.mail.messageId, event.mail.commonHeaders?.messageId]) {
    const send = id ? ledger.findByMessageId(id) : undefined;
    if (send) return send;
  }
  return undefined;
}

function applyEvent(ledger: SendLedger, event: SesEvent, where: string, dryRun: boolean): LateOutcomeRecord {
  if (event.kind !== "Bounce" && event.kind !== "Complaint")
    return { where, messageId: event.mail.messageId, outcome: "ignored", detail: event.kind };
  const send = knownSend(ledger, event);
  if (send?.messageId === undefined) return { where, messageId: event.mail.messageId, outcome: "unmatched" };
  const { messageId } = send;
  if (event.kind === "Complaint")
    return { where, messageId, outcome: "complaint", detail: "the recipient marked the message as spam" };
  const status = event.bounce!.bounceType === "Permanent" ? "bounced" : "failed";
  const reason = bounceReason(event);
  // A permanent bounce stands: a later transient report must not make the address retryable again.
  if ((send.status === status && send.reason === reason) || send.status === "bounced")
    return { where, messageId, outcome: "already-recorded" };
  if (!dryRun) ledger.recordLateOutcome(messageId, status, reason);
  return { where, messageId, outcome: status, detail: reason };
}

/**
 * Records SES bounce events from `file` in the send ledger. Lines that are not JSON or not an SES
 * event are reported with their line number and skipped; importing a file twice changes nothing more.
 */
export async function importBounceEvents(
  ledger: SendLedger,
  file: string,
  options: { dryRun?: boolean } = {},
): Promise<BounceImportResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new OperatorError(
      "BOUNCE_EVENTS",
      `cannot read the events file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): give the path of a file of SES events`,
      { exitCode: 2, cause: error },
    );
  }
  const records: LateOutcomeRecord[] = [];
  const rejected: RejectedEvent[] = [];
  let events = 0;
  for (const document of documentsOf(text)) {
    let parsed: SesEvent[];
    try {
      parsed = sesEventsIn(document.parse()).map(parseEvent);
    } catch (error) {
      const reason = error instanceof SyntaxError ? "not valid JSON" : (error as Error).message;
      rejected.push({ where: document.where, reason });
      continue;
    }
    for (const event of parsed) {
      events++;
      records.push(applyEvent(ledger, event, document.where, options.dryRun === true));
    }
  }
  const count = (outcome: LateOutcomeRecord["outcome"]) =>
    records.filter((r) => r.outcome === outcome).length;
  return {
    events,
    bounced: count("bounced"),
    failed: count("failed"),
    alreadyRecorded: count("already-recorded"),
    unmatched: count("unmatched"),
    complaints: count("complaint"),
    ignored: count("ignored"),
    records,
    rejected,
  };
}
