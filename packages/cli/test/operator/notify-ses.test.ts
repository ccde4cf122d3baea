import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { AccountSuspendedException, MessageRejected } from "@aws-sdk/client-sesv2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ImportLedger } from "../../src/ledger/index.js";
import { SendLedger } from "../../src/ledger/send-ledger.js";
import { classifySesError, createSesTransport } from "../../src/operator/index.js";
import { createSesClient } from "../../src/services.js";
import { buildLedger, realmIdOf, runOperator, tempDir } from "./fixtures.js";

interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

let server: Server;
let endpoint: string;

beforeAll(async () => {
  // aws-ses-v2-local is CommonJS with a default export; its store is per process (this test file's fork).
  const module = (await import("aws-ses-v2-local")) as unknown as {
    default:
      | ((config?: { host?: string; port?: number }) => Promise<Server>)
      | { default: (config?: { host?: string; port?: number }) => Promise<Server> };
  };
  const start = typeof module.default === "function" ? module.default : module.default.default;
  server = await start({ host: "127.0.0.1", port: 0 });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(async () => {
  await fetch(`${endpoint}/clear-store`, { method: "POST" });
  process.exitCode = undefined;
});

async function stored(): Promise<StoredEmail[]> {
  const response = await fetch(`${endpoint}/store`);
  return ((await response.json()) as { emails: StoredEmail[] }).emails;
}

async function run(args: string[]): Promise<string> {
  // Credentials for the emulator only; it checks that a SigV4 header is present, not what it says.
  const env = { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };
  return (await runOperator(args, { env })).out;
}

function statusOf(ledger: string, index: number): { status: string; reason?: string } {
  const db = ImportLedger.open(ledger);
  try {
    const send = new SendLedger(db).get("imported-awaiting-reset", realmIdOf(index));
    return send?.reason === undefined
      ? { status: send?.status ?? "none" }
      : { status: send.status, reason: send.reason };
  } finally {
    db.close();
  }
}

function sesArgs(ledger: string, extra: string[] = []): string[] {
  return [
    "notify",
    "--ledger",
    ledger,
    "--transport",
    "ses",
    "--ses-region",
    "us-east-1",
    "--ses-endpoint",
    endpoint,
    "--from",
    "noreply@example.com",
    "--app-name",
    "Notes",
    "--reset-link",
    "https://app.example.com/reset?email={email}",
    "--rate",
    "100",
    "--json",
    ...extra,
  ];
}

describe("notify through Amazon SES v2 (aws-ses-v2-local)", () => {
  it("sends each user awaiting reset one message and records SES's message id", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(ledger, [
      ...[1, 2, 3, 4, 5, 6].map((index) => ({ index, state: "created" as const })),
      { index: 7, state: "already-present" },
    ]);
    const summary = JSON.parse(await run(sesArgs(ledger))) as { sent: number };
    expect(summary.sent).toBe(6);
    const emails = await stored();
    expect(emails.map((e) => e.destination.to[0]).sort()).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => `user${i}@example.com`).sort(),
    );
    const first = emails.find((e) => e.destination.to[0] === "user1@example.com")!;
    expect(first.subject).toBe("Notes: please reset your password");
    expect(first.body.text).toContain("https://app.example.com/reset?email=user1%40example.com");
    expect(first.body.html).toContain('<a href="https://app.example.com/reset?email=user1%40example.com">');

    const db = ImportLedger.open(ledger);
    expect(new SendLedger(db).get("imported-awaiting-reset", realmIdOf(1))?.messageId).toBe(first.messageId);
    db.close();

    const second = JSON.parse(await run(sesArgs(ledger))) as { sent: number; attempted: number };
    expect(second).toMatchObject({ sent: 0, attempted: 0 });
    expect(await stored()).toHaveLength(6);
  });

  it("writes to the still-in-Realm audience with the before-the-switch message", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(ledger, [
      { index: 1, state: "planned" },
      { index: 2, state: "planned", confirmed: false },
      { index: 3, state: "already-present" },
      { index: 4, state: "created" },
    ]);
    await run(sesArgs(ledger, ["--audience", "still-in-realm", "--var", "switchDate=1 March 2027"]));
    const emails = await stored();
    expect(emails.map((e) => e.destination.to[0])).toEqual(["user1@example.com"]);
    expect(emails[0]!.subject).toBe("Notes: sign in before 1 March 2027 to keep your password");
  });

  it("marks a send bounced when SES reports the bounce later, by message id", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(ledger, [{ index: 1, state: "created" }]);
    await run(sesArgs(ledger));
    const [email] = await stored();
    const db = ImportLedger.open(ledger);
    const sends = new SendLedger(db);
    expect(sends.recordBounce(email!.messageId, "Permanent/General: 550 5.1.1 user unknown")).toBe(true);
    expect(sends.get("imported-awaiting-reset", realmIdOf(1))).toMatchObject({
      status: "bounced",
      reason: "Permanent/General: 550 5.1.1 user unknown",
    });
    db.close();
  });

  it("records SES bounce events from SNS, EventBridge and SQS, skips unreadable lines, and lets a transient bounce be retried", async () => {
    const dir = tempDir();
    const ledger = join(dir, "ledger.db");
    buildLedger(
      ledger,
      [1, 2, 3, 4].map((index) => ({ index, state: "created" as const })),
    );
    await run(sesArgs(ledger));
    const idOf = new Map((await stored()).map((email) => [email.destination.to[0]!, email.messageId]));
    const bounce = (to: string, bounceType: string, bounceSubType: string, diagnosticCode: string) => ({
      bounce: {
        bounceType,
        bounceSubType,
        bouncedRecipients: [{ emailAddress: to, action: "failed", status: "5.1.1", diagnosticCode }],
        timestamp: "2026-11-27T10:00:00.000Z",
        feedbackId: "feedback-1",
      },
      mail: {
        messageId: idOf.get(to) ?? "0100-not-ours-000000",
        destination: [to],
        source: "noreply@example.com",
      },
    });
    const events = [
      // An SNS notification (SES identity notifications), the SES message as a JSON string inside.
      JSON.stringify({
        Type: "Notification",
        MessageId: "sns-1",
        TopicArn: "arn:aws:sns:us-east-1:000000000000:ses-bounces",
        Message: JSON.stringify({
          notificationType: "Bounce",
          ...bounce("user1@example.com", "Permanent", "General", "smtp; 550 5.1.1 user unknown"),
        }),
      }),
      // EventBridge (SES event destination), a transient bounce.
      JSON.stringify({
        version: "0",
        "detail-type": "Email Bounced",
        source: "aws.ses",
        detail: {
          eventType: "Bounce",
          ...bounce("user2@example.com", "Transient", "MailboxFull", "smtp; 452 4.2.2 mailbox full"),
        },
      }),
      "{not json",
      JSON.stringify({
        eventType: "Complaint",
        complaint: { complainedRecipients: [{ emailAddress: "user3@example.com" }] },
        mail: { messageId: idOf.get("user3@example.com") },
      }),
      JSON.stringify({ notificationType: "Delivery", mail: { messageId: idOf.get("user4@example.com") } }),
      JSON.stringify({
        notificationType: "Bounce",
        ...bounce("stranger@example.com", "Permanent", "General", "smtp; 550"),
      }),
      JSON.stringify({ hello: "world" }),
    ];
    const file = join(dir, "events.ndjson");
    writeFileSync(file, `${events.join("\n")}\n`);
    const env = { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };

    const dry = await runOperator(["record-bounces", file, "--ledger", ledger, "--dry-run", "--json"], {
      env,
    });
    expect(JSON.parse(dry.out)).toMatchObject({ bounced: 1, failed: 1 });
    expect(statusOf(ledger, 1)).toMatchObject({ status: "sent" });

    const first = await runOperator(["record-bounces", file, "--ledger", ledger, "--json"], { env });
    expect(JSON.parse(first.out)).toMatchObject({
      events: 5,
      bounced: 1,
      failed: 1,
      complaints: 1,
      ignored: 1,
      unmatched: 1,
      alreadyRecorded: 0,
      rejected: [
        { where: "line 3", reason: "not valid JSON" },
        { where: "line 7", reason: "not an SES event: it has neither notificationType nor eventType" },
      ],
    });
    expect(first.err).toContain(`record-bounces: ${file} line 3: not valid JSON; skipped`);
    expect(process.exitCode).toBeUndefined();
    expect(statusOf(ledger, 1)).toEqual({
      status: "bounced",
      reason: "SES permanent bounce (General): smtp; 550 5.1.1 user unknown",
    });
    expect(statusOf(ledger, 2)).toEqual({
      status: "failed",
      reason: "SES transient bounce (MailboxFull): smtp; 452 4.2.2 mailbox full",
    });
    expect(statusOf(ledger, 3).status).toBe("sent");
    expect(statusOf(ledger, 4).status).toBe("sent");

    // The same file again changes nothing; an SQS batch of the same SNS message is understood too.
    const again = await runOperator(["record-bounces", file, "--ledger", ledger, "--json"], { env });
    expect(JSON.parse(again.out)).toMatchObject({ bounced: 0, failed: 0, alreadyRecorded: 2 });
    const batch = join(dir, "sqs-batch.json");
    writeFileSync(batch, JSON.stringify({ Messages: [{ MessageId: "sqs-1", Body: events[0] }] }, null, 2));
    const fromSqs = await runOperator(["record-bounces", batch, "--ledger", ledger, "--json"], { env });
    expect(JSON.parse(fromSqs.out)).toMatchObject({ events: 1, alreadyRecorded: 1, rejected: [] });

    // A later transient report for the permanently bounced address leaves it bounced.
    const late = join(dir, "late.ndjson");
    writeFileSync(
      late,
      `${JSON.stringify({ notificationType: "Bounce", ...bounce("user1@example.com", "Transient", "General", "smtp; 421") })}\n`,
    );
    const lateRun = await runOperator(["record-bounces", late, "--ledger", ledger, "--json"], { env });
    expect(JSON.parse(lateRun.out)).toMatchObject({ failed: 0, alreadyRecorded: 1 });
    expect(statusOf(ledger, 1).status).toBe("bounced");

    // --retry-failed writes again to the transient bounce only.
    await fetch(`${endpoint}/clear-store`, { method: "POST" });
    expect(JSON.parse(await run(sesArgs(ledger, ["--retry-failed"])))).toMatchObject({ sent: 1 });
    expect((await stored()).map((email) => email.destination.to[0])).toEqual(["user2@example.com"]);
  });

  it("refuses an events file it cannot read with exit code 2", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(ledger, [{ index: 1, state: "created" }]);
    const { err } = await runOperator([
      "record-bounces",
      join(tempDir(), "missing.ndjson"),
      "--ledger",
      ledger,
    ]);
    expect(err).toMatch(/cannot read the events file .*missing\.ndjson \(ENOENT\)/);
    expect(process.exitCode).toBe(2);
  });

  it("classifies SES refusals: a rejected message bounces, a suspended account stops the run", () => {
    const meta = { $metadata: { httpStatusCode: 400 } };
    expect(
      classifySesError(new MessageRejected({ message: "Email address is not verified.", ...meta })),
    ).toEqual({
      status: "bounced",
      reason: "SES MessageRejected: Email address is not verified.",
    });
    expect(classifySesError(new AccountSuspendedException({ message: "suspended", ...meta }))).toMatchObject({
      status: "failed",
      transportDown: true,
    });
  });
});

describe("an SES endpoint that never answers", () => {
  it("ends the send as unknown (it may have gone out) and stops the run, instead of waiting forever", async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const ses = createSesTransport({
      client: createSesClient({
        region: "us-east-1",
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
        timeoutMs: 200,
      }),
    });
    try {
      const outcome = await ses.send({
        from: "noreply@example.com",
        to: "user1@example.com",
        subject: "s",
        text: "t",
        campaign: "hang",
      });
      expect(outcome).toMatchObject({ status: "unknown", transportDown: true });
      expect(outcome.status === "unknown" && outcome.reason).toMatch(/^SES TimeoutError/);
    } finally {
      await ses.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
