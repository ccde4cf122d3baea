// notify's own ceiling and pacing: sends through a transport that answers at once, with the real send
// ledger (claim and outcome each committed in SQLite, WAL) under it. Prints the sustained rate against
// the configured one, and the ledger's cost per message.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImportLedger } from "../packages/cli/src/ledger/index.js";
import { SendLedger } from "../packages/cli/src/ledger/send-ledger.js";
import { notify } from "../packages/cli/src/operator/notify.js";
import type { MailTransport } from "../packages/cli/src/operator/transports/transport.js";

const instant: MailTransport = {
  name: "instant",
  send: async (message) => ({ status: "sent", messageId: `<${message.to}>` }),
  close: async () => {},
};

async function run(label: string, users: number, rate: number, concurrency: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-notify-"));
  const ledger = ImportLedger.open(join(dir, "ledger.db"));
  try {
    const sends = new SendLedger(ledger);
    const audience = Array.from({ length: users }, (_, i) => ({
      userKey: `u${i}`,
      email: `user${i}@example.com`,
    }));
    const started = performance.now();
    const result = await notify(sends, instant, {
      campaign: "bench",
      audience,
      template: { subject: "{{appName}}", text: "{{email}} {{resetLink}}", html: "<p>{{email}}</p>" },
      from: "noreply@example.com",
      variables: { appName: "Bench" },
      resetLink: "https://example.com/reset?email={email}",
      ratePerSecond: rate,
      concurrency,
    });
    const seconds = (performance.now() - started) / 1000;
    const achieved = result.sent / seconds;
    const rss = process.memoryUsage().rss / 1024 / 1024;
    const detail =
      rate < 1e6
        ? `${((achieved / rate - 1) * 100).toFixed(1)} % from the configured ${rate}/s`
        : `${((seconds * 1e6) / result.sent).toFixed(0)} µs a message, ledger included`;
    console.log(
      `${label}: ${result.sent} sent in ${seconds.toFixed(2)} s = ${achieved.toFixed(1)}/s (${detail}); RSS ${rss.toFixed(0)} MB`,
    );
  } finally {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await run("paced at 40/s, 10 s", 400, 40, 1);
await run("paced at 500/s, 4 s", 2_000, 500, 4);
await run("unthrottled, 20,000 users", 20_000, 1e9, 1);
