import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { OperatorError } from "../../src/errors.js";
import { ImportLedger } from "../../src/ledger/index.js";
import { SendLedger } from "../../src/ledger/send-ledger.js";
import { tempDir } from "./fixtures.js";

// The send ledger through the ledger module, and a raw connection of the test's own to the same file
// to set up and inspect what the module does not expose.
function open(file: string): { db: Pick<Database.Database, "prepare" | "close">; sends: SendLedger } {
  const ledger = ImportLedger.open(file);
  const raw = new Database(file);
  raw.pragma("busy_timeout = 5000");
  return {
    db: {
      prepare: raw.prepare.bind(raw) as Database.Database["prepare"],
      close: () => {
        raw.close();
        ledger.close();
        return raw;
      },
    },
    sends: new SendLedger(ledger),
  };
}

function catchOperatorError(work: () => unknown): OperatorError {
  try {
    work();
  } catch (error) {
    if (error instanceof OperatorError) return error;
    throw error;
  }
  throw new Error("expected an OperatorError");
}

const audience = [
  { userKey: "a", email: "a@example.com" },
  { userKey: "b", email: "b@example.com" },
];

describe("the send ledger", () => {
  it("lets only one of two connections claim the same user's send", () => {
    const file = join(tempDir(), "ledger.db");
    const one = open(file);
    const two = open(file);
    one.sends.beginRun("c", "run-1", "host");
    one.sends.enqueue("c", audience, "run-1");
    expect(one.sends.claim("c", "a", "run-1", "smtp")).toEqual({ claimed: true });
    expect(two.sends.claim("c", "a", "run-2", "smtp")).toEqual({ claimed: false, status: "sending" });
    one.sends.settle("c", "a", "run-1", { status: "sent", messageId: "<1@x>" });
    expect(two.sends.claim("c", "a", "run-2", "smtp")).toEqual({ claimed: false, status: "sent" });
    one.db.close();
    two.db.close();
  });

  it("refuses a second live run of the same campaign, and turns a dead run's claims into unknown", () => {
    const file = join(tempDir(), "ledger.db");
    const { db, sends } = open(file);
    // A run by a live process on this host (the test runner's parent) holds the campaign.
    db.prepare(
      "INSERT INTO notification_runs (run_id, campaign, pid, host, started_at) VALUES ('other', 'c', ?, 'host', '2026-01-01T00:00:00Z')",
    ).run(process.ppid);
    expect(() => sends.beginRun("c", "mine", "host")).toThrow(OperatorError);
    // The same run, with a pid that no longer exists, is dead: its claim becomes unknown.
    db.prepare("UPDATE notification_runs SET pid = 2147483646 WHERE run_id = 'other'").run();
    sends.enqueue("c", audience, "other");
    sends.claim("c", "b", "other", "smtp");
    expect(sends.beginRun("c", "mine", "host")).toEqual({ interrupted: 1 });
    expect(sends.get("c", "b")?.status).toBe("unknown");
    expect(sends.claim("c", "b", "mine", "smtp")).toEqual({ claimed: false, status: "unknown" });
    expect(sends.claim("c", "b", "mine", "smtp", { resendUnknown: true })).toEqual({ claimed: true });
    db.close();
  });

  it("never takes over a run on another host by itself, and does so only for the run the operator names", () => {
    const { db, sends } = open(join(tempDir(), "ledger.db"));
    // A run on another machine (its pid means nothing here) claimed b, and nobody knows if it still runs.
    db.prepare(
      "INSERT INTO notification_runs (run_id, campaign, pid, host, started_at) VALUES ('far', 'c', 2147483646, 'other-host', '2026-01-01T00:00:00Z')",
    ).run();
    sends.enqueue("c", audience, "far");
    sends.claim("c", "b", "far", "smtp");

    const busy = catchOperatorError(() => sends.beginRun("c", "mine", "host"));
    expect(busy.code).toBe("CAMPAIGN_BUSY");
    expect(busy.message).toContain("--take-over far");
    const wrongId = catchOperatorError(() => sends.beginRun("c", "mine", "host", { takeOver: "near" }));
    expect(wrongId.exitCode).toBe(2);
    expect(wrongId.message).toContain("unfinished: far");
    expect(sends.get("c", "b")?.status).toBe("sending");

    expect(sends.beginRun("c", "mine", "host", { takeOver: "far" })).toEqual({ interrupted: 1 });
    expect(sends.get("c", "b")?.status).toBe("unknown");
    const far = db.prepare("SELECT finished_at FROM notification_runs WHERE run_id = 'far'").get() as {
      finished_at: string;
    };
    expect(far.finished_at).toMatch(/^taken over by mine at /);
    db.close();
  });

  it("does not let --take-over stop a live run on this host", () => {
    const { db, sends } = open(join(tempDir(), "ledger.db"));
    db.prepare(
      "INSERT INTO notification_runs (run_id, campaign, pid, host, started_at) VALUES ('near', 'c', ?, 'host', '2026-01-01T00:00:00Z')",
    ).run(process.ppid);
    expect(catchOperatorError(() => sends.beginRun("c", "mine", "host", { takeOver: "near" })).code).toBe(
      "CAMPAIGN_BUSY",
    );
    db.close();
  });

  it("withdraws queued users who left the audience and queues them again if they come back", () => {
    const { db, sends } = open(join(tempDir(), "ledger.db"));
    sends.enqueue("c", audience, "r1");
    expect(sends.enqueue("c", audience.slice(0, 1), "r2")).toEqual({ added: 0, withdrawn: 1 });
    expect(sends.get("c", "b")?.status).toBe("withdrawn");
    expect(sends.enqueue("c", audience, "r3")).toEqual({ added: 1, withdrawn: 0 });
    expect(sends.get("c", "b")?.status).toBe("queued");
    db.close();
  });

  it("keeps every step of a send in the history", () => {
    const { db, sends } = open(join(tempDir(), "ledger.db"));
    sends.enqueue("c", audience, "r1");
    sends.claim("c", "a", "r1", "ses");
    sends.settle("c", "a", "r1", { status: "failed", reason: "SES BadRequestException: nope" });
    sends.claim("c", "a", "r2", "ses", { retryFailed: true });
    sends.settle("c", "a", "r2", { status: "sent", messageId: "m-1" });
    const steps = db
      .prepare("SELECT status, reason FROM notification_send_history WHERE user_key = 'a' ORDER BY id")
      .all() as Array<{ status: string; reason: string | null }>;
    expect(steps.map((s) => s.status)).toEqual(["sending", "failed", "sending", "sent"]);
    expect(sends.get("c", "a")).toMatchObject({ status: "sent", attempts: 2, messageId: "m-1" });
    db.close();
  });
});
