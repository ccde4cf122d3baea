import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { AccountSuspendedException, MessageRejected } from "@aws-sdk/client-sesv2";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { classifySesError, createSesTransport } from "../../src/operator/index.js";
import { SendLedger } from "../../src/operator/send-ledger.js";
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

    const db = new Database(ledger, { readonly: true });
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
    const db = new Database(ledger);
    const sends = new SendLedger(db);
    expect(sends.recordBounce(email!.messageId, "Permanent/General: 550 5.1.1 user unknown")).toBe(true);
    expect(sends.get("imported-awaiting-reset", realmIdOf(1))).toMatchObject({
      status: "bounced",
      reason: "Permanent/General: 550 5.1.1 user unknown",
    });
    db.close();
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
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      timeoutMs: 200,
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
