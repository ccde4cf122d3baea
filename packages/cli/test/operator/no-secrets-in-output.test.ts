import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildLedger, type Mailbox, runOperator, smtpNotifyArgs, startMailbox, tempDir } from "./fixtures.js";

const PASSWORD = "s3cret-Smtp-Pa55word!";
let mailbox: Mailbox;

beforeAll(async () => {
  mailbox = await startMailbox({ credentials: { user: "relay-user", pass: PASSWORD } });
});
afterAll(async () => {
  await mailbox.close();
});
afterEach(() => {
  process.exitCode = undefined;
});

async function notifyWith(password: string, ledger: string, extra: string[] = []): Promise<string> {
  const { out, err } = await runOperator(
    [
      "notify",
      "--ledger",
      ledger,
      ...smtpNotifyArgs(mailbox.port, { resetLink: "https://example.com/reset" }),
      ...extra,
    ],
    { env: { SMTP_USER: "relay-user", SMTP_PASSWORD: password } },
  );
  return out + err;
}

describe("the SMTP password", () => {
  it("authenticates with the relay and appears in no output and nowhere in the ledger, also when it is wrong", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(
      ledger,
      [1, 2, 3].map((index) => ({ index, state: "created" as const })),
    );
    const wrong = `${PASSWORD}-wrong`;
    const refused = await notifyWith(wrong, ledger);
    expect(refused).toContain("sent 0, failed 3");
    expect(mailbox.received).toHaveLength(0);

    // Failed sends are not retried unless asked; with the right password they go out.
    const retried = await notifyWith(PASSWORD, ledger, ["--retry-failed"]);
    expect(retried).toContain("sent 3, failed 0");
    expect(mailbox.received).toHaveLength(3);

    const files = [ledger, `${ledger}-wal`].filter(existsSync).map((f) => readFileSync(f).toString("latin1"));
    expect(files.join("")).toContain("SMTP 535 on AUTH PLAIN");
    const everything = [refused, retried, ...files].join("\n");
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(PASSWORD).toString("base64"));
  });

  it("stops a campaign after five refused logins in a row instead of failing every user", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(
      ledger,
      Array.from({ length: 8 }, (_, i) => ({ index: i + 1, state: "created" as const })),
    );
    const received = mailbox.received.length;
    const output = await notifyWith(`${PASSWORD}-wrong`, ledger);
    expect(output).toContain(
      "notify stopped: the transport failed 5 times in a row (last: SMTP 535 on AUTH PLAIN",
    );
    expect(output).not.toContain(PASSWORD);
    expect(process.exitCode).toBe(1);
    expect(mailbox.received).toHaveLength(received);
  });
});
