import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
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

const child = fileURLToPath(new URL("./notify-child.ts", import.meta.url));
const USERS = 12;
let mailbox: Mailbox | undefined;

afterEach(async () => {
  const errors = mailbox?.connectionErrors ?? [];
  await mailbox?.close();
  mailbox = undefined;
  process.exitCode = undefined;
  // A killed sender may reset its connection; anything else the server saw is a finding.
  expect(errors.filter((error) => error.code !== "ECONNRESET")).toEqual([]);
});

function notifyArgs(ledger: string, port: number, rate: number): string[] {
  return ["notify", "--ledger", ledger, ...smtpNotifyArgs(port, { rate }), "--json"];
}

function startChild(args: string[]): { process: ChildProcess; exited: Promise<NodeJS.Signals | null> } {
  const proc = spawn(process.execPath, ["--import", "tsx", child, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.on("exit", (_, signal) => resolve(signal)),
  );
  return { process: proc, exited };
}

async function runInProcess(args: string[]): Promise<Record<string, number>> {
  return JSON.parse((await runOperator(args)).out) as Record<string, number>;
}

function copiesByRecipient(box: Mailbox): Map<string, number> {
  const copies = new Map<string, number>();
  for (const mail of box.received) for (const to of mail.to) copies.set(to, (copies.get(to) ?? 0) + 1);
  return copies;
}

describe("notify killed with SIGKILL and run again", () => {
  it("sends nobody a second message when the kill lands between the server's receipt and the confirmation", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(
      ledger,
      Array.from({ length: USERS }, (_, i) => ({ index: i + 1, state: "created" as const })),
    );
    let killer: ChildProcess | undefined;
    // The 4th message reaches the server, which holds its answer while the sender is killed.
    mailbox = await startMailbox({
      beforeAnswer: (_mail, count) => {
        if (count === 4 && killer) killer.kill("SIGKILL");
      },
    });
    const started = startChild(notifyArgs(ledger, mailbox.port, 50));
    killer = started.process;
    expect(await started.exited).toBe("SIGKILL");
    expect(mailbox.received).toHaveLength(4);

    const rerun = await runInProcess(notifyArgs(ledger, mailbox.port, 200));
    expect(rerun).toMatchObject({ interrupted: 1, sent: USERS - 4, unknown: 0 });
    const copies = copiesByRecipient(mailbox);
    expect(copies.size).toBe(USERS);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);

    const db = ImportLedger.open(ledger);
    const sends = new SendLedger(db);
    expect(sends.counts("imported-awaiting-reset")).toMatchObject({
      sent: USERS - 1,
      unknown: 1,
      sending: 0,
      queued: 0,
    });
    expect(sends.get("imported-awaiting-reset", realmIdOf(4))?.reason).toContain("may have been delivered");
    db.close();

    // The documented escape hatch: --resend-unknown sends again, and here that is a duplicate.
    const again = await runInProcess([...notifyArgs(ledger, mailbox.port, 200), "--resend-unknown"]);
    expect(again).toMatchObject({ sent: 1 });
    expect(copiesByRecipient(mailbox).get("user4@example.com")).toBe(2);
  });

  it("sends nobody a second message when killed at an arbitrary moment", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(
      ledger,
      Array.from({ length: USERS }, (_, i) => ({ index: i + 1, state: "created" as const })),
    );
    mailbox = await startMailbox();
    const box = mailbox;
    const started = startChild(notifyArgs(ledger, box.port, 25));
    // Kill once sending has begun, at a moment not tied to any protocol step.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (box.received.length >= 2) {
          clearInterval(poll);
          setTimeout(resolve, 10 + Math.floor(Math.random() * 60));
        }
      }, 5);
    });
    started.process.kill("SIGKILL");
    await started.exited;
    const beforeRerun = box.received.length;
    expect(beforeRerun).toBeGreaterThanOrEqual(2);
    expect(beforeRerun).toBeLessThan(USERS);

    const rerun = await runInProcess(notifyArgs(ledger, box.port, 200));
    const copies = copiesByRecipient(box);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
    // Everyone got the message, except at most the one user whose send the kill cut off.
    expect(copies.size).toBeGreaterThanOrEqual(USERS - 1);
    expect(
      copies.size + rerun.interrupted! - (beforeRerun - (USERS - rerun.sent! - rerun.interrupted!)),
    ).toBe(USERS);
  });
});
