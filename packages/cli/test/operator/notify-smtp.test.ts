import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ImportLedger } from "../../src/ledger/index.js";
import { SendLedger } from "../../src/ledger/send-ledger.js";
import {
  buildLedger,
  type Mailbox,
  realmIdOf,
  runOperator,
  smtpNotifyArgs,
  startMailbox,
  tempDir,
} from "./fixtures.js";

let mailbox: Mailbox;
const refused = "gone@example.com";

beforeAll(async () => {
  mailbox = await startMailbox({
    refuse: (address) =>
      address === refused ? "5.1.1 <gone@example.com>: Recipient address rejected: User unknown" : undefined,
  });
});
afterAll(async () => {
  await mailbox.close();
});
afterEach(() => {
  process.exitCode = undefined;
});

const run = (args: string[]) => runOperator(args);

function smtpArgs(ledger: string, campaign: string): string[] {
  return [
    "notify",
    "--ledger",
    ledger,
    "--campaign",
    campaign,
    ...smtpNotifyArgs(mailbox.port, {
      from: "Migration <noreply@example.com>",
      appName: "Notes <&> Co",
      resetLink: "https://app.example.com/reset?email={email}",
    }),
  ];
}

function sentTo(campaign: string): string[] {
  return mailbox.received.filter((m) => m.headers["x-campaign"] === campaign).flatMap((m) => m.to);
}

describe("notify over SMTP", () => {
  it("sends each imported user awaiting reset exactly one message, with the variables filled and escaped in HTML", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(ledger, [
      ...[1, 2, 3, 4].map((index) => ({ index, state: "created" as const })),
      { index: 5, state: "created", email: "Mixed.Case+tag@Example.com" },
      { index: 6, state: "already-present" },
      { index: 7, state: "planned" },
      { index: 8, state: "rejected", email: "not-an-email" },
    ]);
    const { out } = await run([...smtpArgs(ledger, "first"), "--json"]);
    const summary = JSON.parse(out) as { sent: number; attempted: number };
    expect(summary).toMatchObject({ sent: 5, attempted: 5 });

    const mails = mailbox.received.filter((m) => m.headers["x-campaign"] === "first");
    // nodemailer lower-cases the domain of the envelope address; the local part keeps its case.
    expect(mails.map((m) => m.to[0]).sort()).toEqual([
      "Mixed.Case+tag@example.com",
      "user1@example.com",
      "user2@example.com",
      "user3@example.com",
      "user4@example.com",
    ]);
    const mixed = mails.find((m) => m.to[0] === "Mixed.Case+tag@example.com")!;
    expect(mixed.subject).toBe("Notes <&> Co: please reset your password");
    expect(mixed.text).toContain("Your account (Mixed.Case+tag@Example.com) is ready");
    expect(mixed.text).toContain("https://app.example.com/reset?email=Mixed.Case%2Btag%40Example.com");
    expect(mixed.html).toContain("We moved Notes &lt;&amp;&gt; Co accounts");
    expect(mixed.html).not.toContain("Notes <&> Co");
    expect(mixed.html).toContain('href="https://app.example.com/reset?email=Mixed.Case%2Btag%40Example.com"');

    const db = ImportLedger.open(ledger);
    const record = new SendLedger(db).get("first", realmIdOf(1));
    db.close();
    expect(record).toMatchObject({ status: "sent", email: "user1@example.com", attempts: 1 });
    expect(record?.messageId).toMatch(/^<.+>$/);
  });

  it("sends nothing the second time the same campaign runs", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(
      ledger,
      [1, 2, 3].map((index) => ({ index, state: "created" as const })),
    );
    await run(smtpArgs(ledger, "twice"));
    const { out } = await run(smtpArgs(ledger, "twice"));
    expect(sentTo("twice")).toHaveLength(3);
    expect(out).toContain("sent 0, failed 0, bounced 0, unknown 0 (attempted 0)");
    expect(out).toContain("sent 3");
  });

  it("records a refused recipient as bounced with the server's text, and still sends to the others", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(ledger, [
      { index: 1, state: "created" },
      { index: 2, state: "created", email: refused },
      { index: 3, state: "created" },
    ]);
    await run(smtpArgs(ledger, "bounce"));
    expect(sentTo("bounce").sort()).toEqual(["user1@example.com", "user3@example.com"]);
    const db = ImportLedger.open(ledger);
    const record = new SendLedger(db).get("bounce", realmIdOf(2));
    db.close();
    expect(record?.status).toBe("bounced");
    expect(record?.reason).toMatch(/^SMTP 550 on RCPT TO: .*Recipient address rejected: User unknown/);
  });

  it("changes nothing on a dry run and stops at --limit on a real one", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(
      ledger,
      [1, 2, 3, 4, 5].map((index) => ({ index, state: "created" as const })),
    );
    const dry = await run([...smtpArgs(ledger, "limited"), "--dry-run", "--limit", "3"]);
    expect(dry.out).toContain("would send 3 messages");
    expect(sentTo("limited")).toHaveLength(0);
    const db = ImportLedger.open(ledger);
    expect(new SendLedger(db).counts("limited").queued).toBe(0);
    db.close();

    await run([...smtpArgs(ledger, "limited"), "--limit", "2"]);
    expect(sentTo("limited")).toHaveLength(2);
    const rest = await run([...smtpArgs(ledger, "limited"), "--dry-run"]);
    expect(rest.out).toContain("would send 3 messages");
    await run(smtpArgs(ledger, "limited"));
    expect(new Set(sentTo("limited")).size).toBe(5);
    expect(sentTo("limited")).toHaveLength(5);
  });

  it("holds the configured rate", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(
      ledger,
      Array.from({ length: 11 }, (_, i) => ({ index: i + 1, state: "created" as const })),
    );
    const args = smtpArgs(ledger, "paced");
    args[args.indexOf("--rate") + 1] = "20";
    const started = performance.now();
    await run(args);
    const seconds = (performance.now() - started) / 1000;
    expect(sentTo("paced")).toHaveLength(11);
    // 11 tokens at 20/s with a burst of 1: at least 10 intervals of 50 ms.
    expect(seconds).toBeGreaterThanOrEqual(0.5);
  });

  it("stops when the relay is unreachable and records the sends as failed, not sent", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(
      ledger,
      Array.from({ length: 8 }, (_, i) => ({ index: i + 1, state: "created" as const })),
    );
    const closed = await startMailbox();
    const port = closed.port;
    await closed.close();
    const args = smtpArgs(ledger, "down");
    args[args.indexOf("--smtp-port") + 1] = String(port);
    const { err } = await run(args);
    expect(err).toContain("notify stopped: the transport failed 5 times in a row");
    expect(process.exitCode).toBe(1);
    const db = ImportLedger.open(ledger);
    const counts = new SendLedger(db).counts("down");
    db.close();
    expect(counts).toMatchObject({ failed: 5, queued: 3, sent: 0, unknown: 0 });
  });

  it("refuses to start without a transport and says how to choose one (exit code 2)", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(ledger, [{ index: 1, state: "created" }]);
    const args = smtpArgs(ledger, "no-transport");
    args.splice(args.indexOf("--transport"), 2);
    const { err } = await run(args);
    expect(err).toBe(
      "realm-to-cognito: transport: not set; choose --transport smtp or --transport ses (or NOTIFY_TRANSPORT)\n",
    );
    expect(process.exitCode).toBe(2);
    expect(sentTo("no-transport")).toHaveLength(0);
  });
  it("waits for a run on another host, and takes the campaign over only when told which run is gone", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(
      ledger,
      [1, 2, 3].map((index) => ({ index, state: "created" as const })),
    );
    // A run on another machine claimed user 2's send and was never heard of again.
    const file = ImportLedger.open(ledger);
    const sends = new SendLedger(file);
    const db = new Database(ledger);
    db.prepare(
      "INSERT INTO notification_runs (run_id, campaign, pid, host, started_at) VALUES ('run-elsewhere', 'far', 4242, 'ops-laptop', '2026-11-01T00:00:00Z')",
    ).run();
    sends.enqueue(
      "far",
      [1, 2, 3].map((index) => ({ userKey: realmIdOf(index), email: `user${index}@example.com` })),
      "run-elsewhere",
    );
    sends.claim("far", realmIdOf(2), "run-elsewhere", "smtp");
    db.close();
    file.close();

    const refused = await run(smtpArgs(ledger, "far"));
    expect(refused.err).toContain("is being sent by run run-elsewhere (pid 4242 on ops-laptop)");
    expect(refused.err).toContain("--take-over run-elsewhere");
    expect(process.exitCode).toBe(1);
    expect(sentTo("far")).toHaveLength(0);
    process.exitCode = undefined;

    const { out } = await run([...smtpArgs(ledger, "far"), "--take-over", "run-elsewhere", "--json"]);
    expect(JSON.parse(out)).toMatchObject({ interrupted: 1, sent: 2, unknown: 0 });
    expect(sentTo("far").sort()).toEqual(["user1@example.com", "user3@example.com"]);
    const after = ImportLedger.open(ledger);
    expect(new SendLedger(after).get("far", realmIdOf(2))?.status).toBe("unknown");
    after.close();
  });
});
