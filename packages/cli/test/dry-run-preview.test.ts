// Dry runs preview (issue 16 item 5): import --dry-run estimates the duration at the configured engine
// and rate; notify --dry-run renders one sample message with its subject.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCommand } from "../src/commands/export.js";
import { importCommand } from "../src/commands/import.js";
import { estimateImport, formatDuration } from "../src/engines/import-estimate.js";
import { createServices } from "../src/services.js";
import { runMain } from "./helpers.js";
import { buildLedger, runOperator, smtpNotifyArgs, tempDir } from "./operator/fixtures.js";
import { adminCreateImport, type CliSandbox, startCliSandbox } from "./sandbox.js";

const services = createServices();

let sandbox: CliSandbox;
let snapshot: string;

beforeAll(async () => {
  sandbox = await startCliSandbox({ users: 40 });
  snapshot = join(sandbox.dir, "users.ndjson");
  await exportCommand(
    services,
    { config: sandbox.config(), quiet: true },
    { out: snapshot, adminApi: true, collection: false, pending: false, resume: false },
  );
});
afterAll(() => sandbox?.stop());

describe("import --dry-run", () => {
  it("estimates the duration at the configured rates (the slower of AdminCreateUser and AdminSetUserPassword)", async () => {
    const pool = await sandbox.newPool();
    const ledger = join(tempDir(), "ledger.db");
    const config = sandbox.config({
      userPoolId: pool.userPoolId,
      ledger,
      flags: { "import.rate": 8, "import.setPasswordRate": 4 },
    });
    const result = await importCommand(
      services,
      { config, quiet: true },
      adminCreateImport(snapshot, join(sandbox.dir, "csv"), { dryRun: true }),
    );
    expect(result.engine).toBe("admin-create");
    const users = result.engine === "admin-create" ? result.outcomes["would-create"] : 0;
    expect(users).toBeGreaterThan(10);
    expect(result.estimate).toMatchObject({
      engine: "admin-create",
      users,
      usersPerSecond: 4,
      seconds: users / 4,
    });
    expect(existsSync(ledger)).toBe(false);
  });

  it("says it in words on the command line, and with csv-job counts files and jobs without inventing a pace", async () => {
    const pool = await sandbox.newPool();
    const saved = { ...process.env };
    Object.assign(process.env, sandbox.env);
    try {
      const ledger = join(tempDir(), "l.db");
      const text = await runMain(
        "--ledger",
        ledger,
        "--pool-id",
        pool.userPoolId,
        "import",
        "-s",
        snapshot,
        "--dry-run",
        "--rate",
        "10",
        "--set-password-rate",
        "10",
      );
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/estimated duration: about \d+ s for \d+ users with admin-create/);
      expect(text.stdout).toContain("10 users a second");
      const csv = await runMain(
        "--ledger",
        ledger,
        "--pool-id",
        pool.userPoolId,
        "--json",
        "import",
        "-s",
        snapshot,
        "--engine",
        "csv-job",
        "--dry-run",
      );
      expect(JSON.parse(csv.stdout).estimate).toMatchObject({ engine: "csv-job", files: 1 });
      expect(JSON.parse(csv.stdout).estimate.seconds).toBeUndefined();
    } finally {
      process.env = saved;
    }
  });

  it("reads a million users as hours at the defaults", () => {
    const estimate = estimateImport("admin-create", 1_000_000, {
      rate: 40,
      setPasswordRate: 20,
      concurrency: 16,
      transport: "sdk",
      maxAttempts: 6,
      listRate: 20,
    });
    expect(formatDuration(estimate.seconds!)).toBe("13 h 53 min");
    expect(estimateImport("csv-job", 1_200_000, estimate as never).files).toBe(3);
  });
});

describe("notify --dry-run", () => {
  it("renders one sample message with its subject, and sends nothing", async () => {
    const ledger = join(tempDir(), "ledger.db");
    buildLedger(
      ledger,
      [1, 2, 3].map((index) => ({ index, state: "created" as const })),
    );
    const dry = await runOperator([
      "notify",
      "--ledger",
      ledger,
      "--campaign",
      "preview",
      ...smtpNotifyArgs(9, {
        from: "Migration <noreply@example.com>",
        appName: "Notes",
        resetLink: "https://app.example.com/reset?email={email}",
      }),
      "--dry-run",
    ]);
    expect(dry.out).toContain("would send 3 messages");
    expect(dry.out).toMatch(/sample message \(to user\d@example\.com\):\n {2}Subject: Notes: /);
    expect(dry.out).toMatch(/https:\/\/app\.example\.com\/reset\?email=user\d%40example\.com/);
    expect(dry.out).not.toContain("{{");
  });
});
