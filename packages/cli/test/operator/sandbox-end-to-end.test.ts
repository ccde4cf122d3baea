import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  ConfirmForgotPasswordCommand,
  ForgotPasswordCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { SnapshotLine } from "@realm-to-cognito/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCommand } from "../../src/commands/export.js";
import { importCommand } from "../../src/commands/import.js";
import { planCommand } from "../../src/commands/plan.js";
import { statusCommand } from "../../src/commands/status.js";
import type { Config } from "../../src/config.js";
import { ImportLedger } from "../../src/ledger/index.js";
import { buildProgram } from "../../src/main.js";
import { renderLedgerFileTrend } from "../../src/operator/trend.js";
import { RESET_MARGIN_MS } from "../../src/reset.js";
import { createServices } from "../../src/services.js";
import { readSnapshot } from "../../src/snapshot-file.js";
import { adminCreateImport, type CliSandbox, startCliSandbox } from "../sandbox.js";
import { type Mailbox, runOperator, smtpNotifyArgs, startMailbox } from "./fixtures.js";

const services = createServices();

let sandbox: CliSandbox;
let mailbox: Mailbox;
let config: Config;
let snapshot: string;
let phaseOne: SnapshotLine[];
let userPoolId: string;
let beforeImport: Config;
let movedAfterPlan: SnapshotLine;
let stillInRealm: number;
let checkPoolSummary: { sent: number; skipped: number };
let clientId: string;

async function migrateWithPassword(user: SnapshotLine): Promise<void> {
  const client = sandbox.cognito.client();
  await client.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: user.email,
      MessageAction: "SUPPRESS",
      UserAttributes: [
        { Name: "email", Value: user.email },
        { Name: "email_verified", Value: "true" },
        { Name: "custom:realm_user_id", Value: user.realmUserId! },
      ],
    }),
  );
  await client.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: user.email,
      Password: "Phase1-Password!",
      Permanent: true,
    }),
  );
}

beforeAll(async () => {
  sandbox = await startCliSandbox({ users: 40, seed: 9 });
  mailbox = await startMailbox();
  const pool = await sandbox.newPool();
  userPoolId = pool.userPoolId;
  clientId = pool.clientId;
  config = sandbox.config({ userPoolId: pool.userPoolId, clientId: pool.clientId });
  snapshot = join(sandbox.dir, "users.ndjson");
  await exportCommand(
    services,
    { config, quiet: true },
    { out: snapshot, adminApi: true, collection: false, pending: true, resume: false },
  );
  const users: SnapshotLine[] = [];
  for await (const entry of readSnapshot(snapshot)) if ("user" in entry) users.push(entry.user);
  // Phase 1 moved a few active users with their password, as the migration trigger does.
  phaseOne = users.filter((u) => u.confirmed && !u.disabled && u.realmUserId).slice(0, 6);
  for (const user of phaseOne) await migrateWithPassword(user);
  // Before importing: a ledger planned now, to which phase 1 adds one more user after the plan.
  beforeImport = sandbox.config({ userPoolId, clientId: pool.clientId });
  await planCommand(services, { config: beforeImport }, { snapshot, listPool: true });
  movedAfterPlan = users.filter((u) => u.confirmed && !u.disabled && u.realmUserId)[6]!;
  await migrateWithPassword(movedAfterPlan);
  // The still-in-Realm campaign runs now, before the import puts everyone in the pool.
  const planned = ImportLedger.open(beforeImport.ledger);
  stillInRealm = [...planned.users(["planned"])].filter((u) => u.user.confirmed && !u.user.disabled).length;
  planned.close();
  checkPoolSummary = JSON.parse(
    await cli(
      [
        "--json",
        "notify",
        "--audience",
        "still-in-realm",
        "--check-pool",
        "--var",
        "switchDate=1 March 2027",
        ...smtpArgs(),
      ],
      beforeImport.ledger,
    ),
  ) as { sent: number; skipped: number };
  await importCommand(services, { config, quiet: true }, adminCreateImport(snapshot, sandbox.dir));
}, 90_000);
afterAll(async () => {
  await mailbox?.close();
  await sandbox?.stop();
});

const cliOn = (args: string[], ledger: string) => cli(args, ledger);

/** The CLI's own program with the operator's commands wired in as the lead will. */
async function cli(args: string[], ledger = config.ledger): Promise<string> {
  const env = { ...sandbox.env, COGNITO_USER_POOL_ID: userPoolId };
  return (await runOperator(["--ledger", ledger, ...args], { env, program: buildProgram })).out;
}

function smtpArgs(): string[] {
  return smtpNotifyArgs(mailbox.port, {
    from: "noreply@example.com",
    appName: "Sandbox",
    resetLink: "http://localhost/reset",
    rate: 500,
  });
}

describe("the operator's commands after a real export, plan and import in the sandbox", () => {
  it("notify writes once to every imported user and to nobody phase 1 moved", async () => {
    const ledger = ImportLedger.open(config.ledger);
    const imported = [...ledger.users(["created"])].map((u) => u.email.toLowerCase()).sort();
    ledger.close();
    expect(imported.length).toBeGreaterThan(10);
    const args = ["notify", ...smtpArgs()];
    const summary = JSON.parse(await cli(["--json", ...args])) as { sent: number };
    expect(summary.sent).toBe(imported.length);
    await cli(args);
    const recipients = mailbox.received
      .filter((m) => m.headers["x-campaign"] === "imported-awaiting-reset")
      .flatMap((m) => m.to)
      .map((e) => e.toLowerCase())
      .sort();
    expect(recipients).toEqual(imported);
    for (const user of phaseOne) expect(recipients).not.toContain(user.email.toLowerCase());
  });

  it("notify --check-pool skips a still-in-Realm user whom phase 1 moved after the plan", async () => {
    expect(stillInRealm).toBeGreaterThan(10);
    expect(checkPoolSummary).toMatchObject({ sent: stillInRealm - 1, skipped: 1 });
    const recipients = mailbox.received
      .filter((m) => m.headers["x-campaign"] === "still-in-realm")
      .flatMap((m) => m.to);
    expect(recipients.map((e) => e.toLowerCase())).not.toContain(movedAfterPlan.email.toLowerCase());
  });

  it("forecast reads the Admin API's last sign-in dates and starts from the users not in Cognito", async () => {
    const forecast = JSON.parse(
      await cli(["--json", "forecast", "--admin-api", "--as-of", "2025-09-15T00:00:00Z"]),
    ) as {
      totals: { alreadyMigrated: number; users: number };
    };
    // In Cognito: phase 1's users, the one moved after the first plan, and everyone the import created.
    const { population } = await statusCommand(services, { config }, { listPool: false });
    expect(population.byState["migrated-with-password"]).toBe(phaseOne.length + 1);
    expect(forecast.totals.alreadyMigrated).toBe(population.inCognito);
    expect(forecast.totals.users).toBeGreaterThan(phaseOne.length);
  });

  it("forecast reads the snapshot and the ledger and states its model", async () => {
    const forecast = JSON.parse(
      await cli([
        "--json",
        "forecast",
        "--snapshot",
        snapshot,
        "--as-of",
        "2025-09-15T00:00:00Z",
        "--weeks",
        "4,8",
      ]),
    ) as {
      totals: { alreadyMigrated: number; users: number };
      curve: Array<{ week: number; expectedMigrated: number }>;
      assumptions: string[];
    };
    const { population } = await statusCommand(services, { config }, { listPool: false });
    expect(forecast.totals.alreadyMigrated).toBe(population.inCognito);
    expect(forecast.curve.map((p) => p.week)).toEqual([4, 8]);
    expect(forecast.curve[1]!.expectedMigrated).toBeGreaterThanOrEqual(forecast.curve[0]!.expectedMigrated);
    expect(forecast.assumptions.length).toBeGreaterThan(2);
    expect(await cli(["forecast", "--snapshot", snapshot])).toContain(
      "Model: Each user signs in as a Poisson process",
    );
  });

  it("report writes a page with the run's numbers, and status can show the trend", async () => {
    const out = join(sandbox.dir, "report.html");
    await cli(["report", "--out", out]);
    const html = readFileSync(out, "utf8");
    expect(html).toContain('id="chart-migrations"');
    const { population } = await statusCommand(services, { config }, { listPool: false });
    expect(html).toContain(`<b>${population.percentComplete} %</b> of users are in Cognito`);
    expect(html).toContain(`${population.inCognito} of ${population.toMove} users to move`);
    // Everyone to move is in Cognito after the import: no forecast claims users are left for phase 2.
    expect(population.notYetInCognito).toBe(0);
    expect(html).toContain("No forecast needed: nobody is left in Realm.");
    expect(html).not.toMatch(/are likely still\s+in Realm/);
    const trend = renderLedgerFileTrend(config.ledger);
    expect(trend.split("\n")[2]).toMatch(/^imported {6}\S+ {2}total \d+/);
  });
});

describe("one population, one truth", () => {
  it.each([
    ["after the import", () => config],
    ["during phase 1, before the import", () => beforeImport],
  ])(
    "status, forecast, report and notify's audiences count the same users %s",
    async (when, configOf) => {
      const config = configOf();
      const cli = (args: string[]) => cliOn(args, config.ledger);
      const status = await statusCommand(services, { config }, { listPool: false });
      const p = status.population;
      const forecast = JSON.parse(await cli(["--json", "forecast"])) as {
        totals: { users: number; alreadyMigrated: number; remaining: number };
      };
      const report = JSON.parse(
        await cli(["--json", "report", "--out", join(sandbox.dir, "agree.html")]),
      ) as { population: typeof p };
      const audience = async (name: string) =>
        (
          JSON.parse(
            await cli([
              "--json",
              "notify",
              "--audience",
              name,
              "--campaign",
              `agree-${name}-${when.length}`,
              "--dry-run",
              "--var",
              "switchDate=1 March 2027",
              ...smtpArgs(),
            ]),
          ) as { wouldSend: unknown[] }
        ).wouldSend.length;
      const forecastOf = async (source: string[]) => {
        const f = JSON.parse(await cli(["--json", "forecast", ...source])) as typeof forecast;
        return [f.totals.users, f.totals.alreadyMigrated, f.totals.remaining];
      };
      const views = {
        status: [p.toMove, p.inCognito, p.notYetInCognito],
        forecastFromSnapshot: await forecastOf(["--snapshot", snapshot]),
        forecastFromAdminApi: await forecastOf(["--admin-api"]),
        forecast: [forecast.totals.users, forecast.totals.alreadyMigrated, forecast.totals.remaining],
        report: [report.population.toMove, report.population.inCognito, report.population.notYetInCognito],
      };
      console.log(`four views on the sandbox ${when}: ${JSON.stringify({ ...views, population: p })}`);
      expect(views.forecast).toEqual(views.status);
      expect(views.forecastFromSnapshot).toEqual(views.status);
      expect(views.forecastFromAdminApi).toEqual(views.status);
      expect(views.report).toEqual(views.status);
      expect(report.population).toEqual(p);
      expect(p.total).toBe(status.ledger.total);
      expect(await audience("imported-awaiting-reset")).toBe(p.byState["imported-awaiting-reset"]);
      // still-in-realm writes to the confirmed, enabled users among those not in Cognito yet.
      expect(await audience("still-in-realm")).toBe(p.notYetInCognito);
      expect(p.toMove).toBeGreaterThan(0);
    },
    30_000,
  );
});

describe("an imported user who resets their password (admin-create: CONFIRMED from the start)", () => {
  it("counts as reset done in status and report, and leaves notify's imported-awaiting-reset audience", async () => {
    const ledger = ImportLedger.open(config.ledger);
    const imported = [...ledger.users(["created"])];
    const finishedAt = Math.max(...imported.map((u) => Date.parse(u.updatedAt)));
    ledger.close();
    const resetter = imported[0]!;
    const before = await statusCommand(services, { config }, { listPool: true });
    expect(before.pool).toMatchObject({ importedAwaitingReset: imported.length, importedResetDone: 0 });

    // The pool's last-modified date must pass our import by the margin to count as the user's own change;
    // cognito-local answers it in whole seconds, hence the extra second.
    const wait = finishedAt + RESET_MARGIN_MS + 1_300 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const client = sandbox.cognito.client();
    await client.send(new ForgotPasswordCommand({ ClientId: clientId, Username: resetter.email }));
    const code = await sandbox.cognito.latestCode(userPoolId, resetter.email);
    expect(code).toBeDefined();
    await client.send(
      new ConfirmForgotPasswordCommand({
        ClientId: clientId,
        Username: resetter.email,
        ConfirmationCode: code!,
        Password: "Chosen-After-Import-1!",
      }),
    );

    // notify --check-pool lists the pool itself before choosing its audience.
    const audience = JSON.parse(
      await cli([
        "--json",
        "notify",
        "--campaign",
        "after-reset",
        "--check-pool",
        "--dry-run",
        ...smtpArgs(),
      ]),
    ) as { wouldSend: Array<{ email: string }> };
    const emails = audience.wouldSend.map((r) => r.email.toLowerCase());
    expect(emails).toHaveLength(imported.length - 1);
    expect(emails).not.toContain(resetter.email.toLowerCase());

    const after = await statusCommand(services, { config }, { listPool: false });
    expect(after.pool).toMatchObject({ importedAwaitingReset: imported.length - 1, importedResetDone: 1 });
    const out = join(sandbox.dir, "report-after-reset.html");
    await cli(["report", "--out", out]);
    expect(readFileSync(out, "utf8")).toContain("<title>Imported, password reset done: 1</title>");
  }, 30_000);
});
