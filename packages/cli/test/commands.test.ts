import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  AdminCreateUserCommand,
  type CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  CreateUserImportJobCommand,
  DescribeUserImportJobCommand,
  DescribeUserPoolCommand,
  ForgotPasswordCommand,
  GetCSVHeaderCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  StartUserImportJobCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { fromAttributeList } from "@realm-to-cognito/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { doctorCommand } from "../src/commands/doctor.js";
import { exportCommand } from "../src/commands/export.js";
import { importCommand } from "../src/commands/import.js";
import { planCommand } from "../src/commands/plan.js";
import { statusCommand } from "../src/commands/status.js";
import { verifyCommand } from "../src/commands/verify.js";
import { writeDirectoryFile } from "../src/directory-file.js";
import type { LogEventsSender } from "../src/engines/import-job-log.js";
import { ImportLedger } from "../src/ledger/index.js";
import { createServices } from "../src/services.js";
import { readSnapshot } from "../src/snapshot-file.js";
import { runMain } from "./helpers.js";
import { adminCreateImport, type CliSandbox, startCliSandbox } from "./sandbox.js";

const services = createServices();

let sandbox: CliSandbox;
let adminSnapshot: string;

beforeAll(async () => {
  sandbox = await startCliSandbox({ users: 30 });
  adminSnapshot = join(sandbox.dir, "admin.ndjson");
});
afterAll(() => sandbox?.stop());

async function snapshotUsers(file: string) {
  const users = [];
  for await (const entry of readSnapshot(file)) if ("user" in entry) users.push(entry.user);
  return users;
}

async function poolUsers(userPoolId: string) {
  const { Users = [] } = await sandbox.cognito
    .client()
    .send(new ListUsersCommand({ UserPoolId: userPoolId }));
  return Users.map(
    (user): Record<string, string | undefined> => ({
      status: user.UserStatus,
      ...fromAttributeList(user.Attributes),
    }),
  );
}

describe("export", () => {
  it("writes every Admin API user and every pending registration, joined with the user collection's _id", async () => {
    const mongoexport = join(sandbox.dir, "users.json");
    await sandbox.realm.exportUserCollection(mongoexport);
    const result = await exportCommand(
      services,
      { config: sandbox.config(), quiet: true },
      { out: adminSnapshot, adminApi: true, mongoexport, collection: false, pending: true, resume: false },
    );
    const users = await snapshotUsers(adminSnapshot);
    expect(result.manifest.users).toBe(users.length);
    expect(users.length).toBe(30);
    const pending = users.filter((user) => user.source === "pending-registrations");
    expect(pending.every((user) => !user.confirmed && user.realmUserId === undefined)).toBe(true);
    const listed = users.filter((user) => user.source === "admin-api");
    const documents = sandbox.realm.userDocuments();
    for (const user of listed) {
      const doc = documents.find((candidate) => candidate.user_id === user.realmUserId);
      if (doc) expect(user.mongoId).toBe(String(doc._id));
    }
    expect(listed.some((user) => user.mongoId !== undefined)).toBe(true);
    expect(result.manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("resumed after a kill, keeps each reject once and counts the rejects of both runs in the manifest", async () => {
    const mongoexport = join(sandbox.dir, "users-with-bad-rows.json");
    await sandbox.realm.exportUserCollection(mongoexport);
    // Two rows the collection reader rejects, and one document no Realm user owns (an orphan).
    appendFileSync(
      mongoexport,
      '{"_id":{"$oid":"6645b9c4a1e8443791110999"},"user_id":"64f65e24c2f20a0e2dff0999","email":"orphan@example.com"}\n{not json\n{"_id":{"$oid":"6645b9c4a1e8443791110998"}}\n',
    );
    const options = (out: string, resume: boolean) =>
      ({ out, adminApi: true, mongoexport, collection: false, pending: true, resume }) as const;
    const whole = join(sandbox.dir, "whole-with-rejects.ndjson");
    const once = await exportCommand(
      services,
      { config: sandbox.config(), quiet: true },
      options(whole, false),
    );
    expect(once.manifest.rejects).toBe(3);

    // The kill: 10 users written, the rejects file as the first run left it, its last line torn.
    const partial = join(sandbox.dir, "killed-with-rejects.ndjson");
    const lines = readFileSync(whole, "utf8").split("\n");
    writeFileSync(partial, `${lines.slice(0, 10).join("\n")}\n`);
    const rejectLines = readFileSync(once.paths.rejects, "utf8").trim().split("\n");
    const collectionRejects = rejectLines.filter((line) => !line.includes(`"source":"user-collection"`));
    writeFileSync(
      partial.replace(/\.ndjson$/, ".rejects.ndjson"),
      `${collectionRejects[0]}\n${collectionRejects[1]!.slice(0, 15)}`,
    );
    const resumed = await exportCommand(
      services,
      { config: sandbox.config(), quiet: true },
      options(partial, true),
    );

    expect(readFileSync(partial, "utf8")).toBe(readFileSync(whole, "utf8"));
    const resumedRejects = readFileSync(resumed.paths.rejects, "utf8").trim().split("\n");
    // The resumed run cannot know which documents the first run matched, so no orphan report.
    expect(resumedRejects.sort()).toEqual(collectionRejects.sort());
    expect(resumed.manifest.rejects).toBe(collectionRejects.length);
    expect(resumed.manifest.users).toBe(once.manifest.users);
  });

  it("exports the user collection from exportUserCollection's mongoexport file alone", async () => {
    const mongoexport = join(sandbox.dir, "users-only.json");
    await sandbox.realm.exportUserCollection(mongoexport);
    const out = join(sandbox.dir, "collection.ndjson");
    const result = await exportCommand(
      services,
      { config: sandbox.config(), quiet: true },
      { out, adminApi: false, mongoexport, collection: false, pending: true, resume: false },
    );
    expect(result.manifest.users).toBe(sandbox.realm.userDocuments().length);
    expect(result.manifest.rejects).toBe(0);
    const users = await snapshotUsers(out);
    expect(
      users.every((user) => user.source === "mongoexport" && /^[0-9a-f]{24}$/.test(user.mongoId ?? "")),
    ).toBe(true);
  });
});

describe("plan, import, verify and status against cognito-local", () => {
  it("imports every importable user once, verifies clean, and a re-run creates nothing", async () => {
    const pool = await sandbox.newPool();
    const config = sandbox.config({ userPoolId: pool.userPoolId, clientId: pool.clientId });
    const plan = await planCommand(services, { config }, { snapshot: adminSnapshot, listPool: true });
    const importable = plan.counts.create;
    expect(importable).toBeGreaterThan(0);
    expect(plan.counts.rejected).toBe(plan.items.filter((item) => item.action === "rejected").length);

    const dry = await importCommand(
      services,
      { config, quiet: true },
      adminCreateImport(adminSnapshot, sandbox.dir, { dryRun: true }),
    );
    expect(dry.engine === "admin-create" && dry.outcomes["would-create"]).toBe(importable);
    const fresh = sandbox.config({ userPoolId: pool.userPoolId });
    const dryFresh = await importCommand(
      services,
      { config: fresh, quiet: true },
      adminCreateImport(adminSnapshot, sandbox.dir, { dryRun: true }),
    );
    expect(dryFresh.engine === "admin-create" && dryFresh.outcomes["would-create"]).toBe(importable);
    expect(existsSync(fresh.ledger)).toBe(false);
    expect(await poolUsers(pool.userPoolId)).toHaveLength(0);

    const first = await importCommand(
      services,
      { config, quiet: true },
      adminCreateImport(adminSnapshot, sandbox.dir),
    );
    expect(first.engine === "admin-create" && first.outcomes.created).toBe(importable);
    const second = await importCommand(
      services,
      { config, quiet: true },
      adminCreateImport(adminSnapshot, sandbox.dir),
    );
    expect(second.engine === "admin-create" && second.outcomes.created).toBe(0);

    const inPool = await poolUsers(pool.userPoolId);
    expect(inPool).toHaveLength(importable);
    expect(inPool.every((user) => user.status === "CONFIRMED" && user.email_verified === "true")).toBe(true);

    const report = await verifyCommand(services, { config }, { snapshot: adminSnapshot, listPool: true });
    expect(report.differences).toEqual([]);
    expect(report.present).toBe(importable);

    const status = await statusCommand(services, { config }, { listPool: true });
    expect(status.ledger.created).toBe(importable);
    expect(status.pool.importedAwaitingReset).toBe(importable);
    expect(status.pool.migratedWithPassword).toBe(0);
  });

  it("goes straight to phase 2 from the app's user collection alone (App Services' APIs gone): export, plan, import, verify, directory", async () => {
    const mongoexport = join(sandbox.dir, "collection-only.json");
    await sandbox.realm.exportUserCollection(mongoexport);
    const snapshot = join(sandbox.dir, "collection-only.ndjson");
    const documents = sandbox.realm.userDocuments().length;
    const collectionOnly = { adminApi: false, mongoexport, collection: false, pending: false, resume: false };
    // The seed's documents hold no status: unless the operator says so, nobody is assumed confirmed.
    const unstated = await exportCommand(
      services,
      { config: sandbox.config(), quiet: true },
      { ...collectionOnly, out: snapshot },
    );
    expect(unstated.manifest.byState).toEqual({ confirmed: 0, pending: documents, disabled: 0 });
    // Nothing from the Admin API (adminApi: false): only the mongoexport of the collection, whose
    // documents the app's login trigger creates, so the operator states they are confirmed users.
    await exportCommand(
      services,
      {
        config: sandbox.config({ flags: { "userCollection.status.everyDocumentConfirmed": true } }),
        quiet: true,
      },
      { ...collectionOnly, out: snapshot },
    );
    const pool = await sandbox.newPool();
    const config = sandbox.config({
      userPoolId: pool.userPoolId,
      ledger: join(sandbox.dir, "collection-only.db"),
    });
    const plan = await planCommand(services, { config }, { snapshot, listPool: true });
    expect(plan.counts.create).toBe(documents);
    const imported = await importCommand(
      services,
      { config, quiet: true },
      adminCreateImport(snapshot, sandbox.dir),
    );
    expect(imported.engine === "admin-create" && imported.outcomes.created).toBe(documents);
    const report = await verifyCommand(services, { config }, { snapshot, listPool: true });
    expect(report.differences).toEqual([]);
    const inPool = await poolUsers(pool.userPoolId);
    const byEmail = new Map(
      sandbox.realm.userDocuments().map((doc) => [String(doc.email).toLowerCase(), doc]),
    );
    for (const user of inPool) {
      const doc = byEmail.get(String(user.email).toLowerCase());
      expect(user["custom:realm_user_id"]).toBe(doc?.user_id);
      expect(user["custom:mongo_id"]).toBe(String(doc?._id));
    }
    const directory = await writeDirectoryFile(snapshot, join(sandbox.dir, "collection-only.directory"));
    expect(directory).toMatchObject({ users: documents, ambiguous: 0, notEligible: 0, badLines: 0 });
  });

  it("leaves an imported user unable to sign in until ForgotPassword and ConfirmForgotPassword set a password", async () => {
    const pool = await sandbox.newPool();
    const config = sandbox.config({ userPoolId: pool.userPoolId });
    await importCommand(
      services,
      { config, quiet: true },
      adminCreateImport(adminSnapshot, sandbox.dir, { limit: 1 }),
    );
    const [user] = await poolUsers(pool.userPoolId);
    const email = user!.email!;
    const client = sandbox.cognito.client();
    const seededIndex = Number(/user(\d+)@/.exec(email)?.[1]);
    const { seededPassword } = await import("@realm-to-cognito/sandbox");
    const signIn = (password: string) =>
      client.send(
        new InitiateAuthCommand({
          ClientId: pool.clientId,
          AuthFlow: "USER_PASSWORD_AUTH",
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      );
    // Neither the old Realm password nor anything else works: nobody knows the password.
    await expect(signIn(seededPassword(7, seededIndex))).rejects.toThrow();
    await client.send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: email }));
    const code = await sandbox.cognito.latestCode(pool.userPoolId, email);
    expect(code).toBeDefined();
    await client.send(
      new ConfirmForgotPasswordCommand({
        ClientId: pool.clientId,
        Username: email,
        ConfirmationCode: code!,
        Password: "New-Password-123!",
      }),
    );
    const tokens = await signIn("New-Password-123!");
    expect(tokens.AuthenticationResult?.IdToken).toBeDefined();
  });

  it("doctor finds the pool's shape against the sandbox, and refuses both modes on its production-shaped pool, whose sign-up and email changes are open", async () => {
    const pool = await sandbox.newPool();
    const report = await doctorCommand(
      services,
      { config: sandbox.config({ userPoolId: pool.userPoolId, clientId: pool.clientId }) },
      { snapshot: adminSnapshot },
    );
    // The shape, Realm, the Admin API and the snapshot all pass; only the pool's safety fails
    // (doctor-safety.test.ts shows a safe pool passing every check with both modes possible).
    const failed = report.checks.filter((check) => !check.ok && check.area !== "modes");
    expect(failed.map((check) => check.what)).toEqual([
      expect.stringContaining("self sign-up is open"),
      expect.stringContaining("an email change applies at once, unverified"),
    ]);
    // Its app client lists WriteAttributes without the backend's attributes, so that check passes.
    expect(
      report.checks.some(
        (check) =>
          check.ok &&
          check.what ===
            `app client ${pool.clientId} cannot write custom:realm_user_id, custom:mongo_id, custom:migration_state, custom:reset_requested_at`,
      ),
    ).toBe(true);
    expect(failed.every((check) => check.fix !== undefined)).toBe(true);
    expect(report.modes).toMatchObject({ phase1: false, phase2: false });
    expect(report.modes.phase2Sources).toContain("Admin API");
  });

  it("doctor says what to fix when Realm does not answer and no pool is configured", async () => {
    const config = sandbox.config();
    const broken = { ...config, realm: { ...config.realm, baseUrl: "http://127.0.0.1:9" } };
    Object.defineProperty(broken, "secrets", { value: {}, enumerable: false });
    const report = await doctorCommand(services, { config: broken as typeof config }, {});
    expect(report.modes).toMatchObject({ phase1: false, phase2: false });
    expect(report.checks.filter((check) => !check.ok).every((check) => check.fix !== undefined)).toBe(true);
  });
});

/** GetCSVHeader of the sandbox's pool, answered here: cognito-local has no such call. */
const SANDBOX_POOL_CSV_HEADER = [
  "cognito:username",
  "email",
  "email_verified",
  "cognito:mfa_enabled",
  "custom:realm_user_id",
  "custom:mongo_id",
];

describe("the CSV engine over the sandbox's snapshot (cognito-local has no GetCSVHeader: the header is answered here)", () => {
  it("writes every planned user once into a file with its map, records the lines, and creates no one", async () => {
    const pool = await sandbox.newPool();
    const config = sandbox.config({ userPoolId: pool.userPoolId });
    const real = sandbox.cognito.client();
    const cognito = {
      send: (command: { constructor: unknown }) =>
        command instanceof GetCSVHeaderCommand
          ? Promise.resolve({ CSVHeader: SANDBOX_POOL_CSV_HEADER })
          : real.send(command as never),
    } as unknown as CognitoIdentityProviderClient;
    const outDir = join(sandbox.dir, "csv");
    const options = adminCreateImport(adminSnapshot, outDir, { engine: "csv-job" });
    const result = await importCommand(
      createServices({ cognito: () => cognito }),
      { config, quiet: true },
      options,
    );
    if (result.engine !== "csv-job") throw new Error("expected the csv-job engine");
    const planned = result.planned!.counts.create;
    expect(result.files.users).toBe(planned);
    const lines = readFileSync(result.files.files[0]!.file, "utf8").trim().split("\n");
    expect(lines[0]).toBe(SANDBOX_POOL_CSV_HEADER.join(","));
    expect(lines).toHaveLength(planned + 1);
    expect(
      lines
        .slice(1)
        .every((line) => /^[^,]+@example\.com,[^,]+,true,false,[0-9a-f]{24},([0-9a-f]{24})?$/.test(line)),
    ).toBe(true);
    const again = await importCommand(
      createServices({ cognito: () => cognito }),
      { config, quiet: true },
      options,
    );
    expect(again.engine === "csv-job" && again.files.users).toBe(0);
    expect(await poolUsers(pool.userPoolId)).toHaveLength(0);
  });

  it("runs the job, reads its CloudWatch log, and gives the user whose row failed the job's reason", async () => {
    const pool = await sandbox.newPool();
    const base = sandbox.config({ userPoolId: pool.userPoolId, ledger: join(sandbox.dir, "csv-run.db") });
    const config = {
      ...base,
      cognito: { ...base.cognito, importRoleArn: "arn:aws:iam::000000000000:role/Import" },
    };
    Object.defineProperty(config, "secrets", {
      value: Object.getOwnPropertyDescriptor(base, "secrets")?.value,
    });
    const real = sandbox.cognito.client();
    const uploads: string[] = [];
    const upload = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        uploads.push(body);
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => upload.listen(0, "127.0.0.1", resolve));
    const uploadUrl = `http://127.0.0.1:${(upload.address() as AddressInfo).port}/upload`;
    let failedLine = 0;
    // cognito-local has no import jobs: this stand-in "runs" the uploaded file by creating every row's
    // user in cognito-local but the third, which it reports failed, as a real job would log it.
    const cognito = {
      send: async (command: { constructor: unknown; input: Record<string, unknown> }) => {
        if (command instanceof GetCSVHeaderCommand) return { CSVHeader: SANDBOX_POOL_CSV_HEADER };
        if (command instanceof CreateUserImportJobCommand)
          return {
            UserImportJob: {
              JobId: "import-42",
              JobName: command.input.JobName,
              PreSignedUrl: uploadUrl,
              Status: "Created",
            },
          };
        if (command instanceof StartUserImportJobCommand) {
          const rows = uploads.at(-1)!.trim().split("\n").slice(1);
          for (const [index, row] of rows.entries()) {
            if (index === 2) {
              failedLine = index + 2;
              continue;
            }
            const [, email, , , realmUserId] = row.split(",");
            await real.send(
              new AdminCreateUserCommand({
                UserPoolId: pool.userPoolId,
                Username: email!,
                MessageAction: "SUPPRESS",
                UserAttributes: [
                  { Name: "email", Value: email! },
                  { Name: "custom:realm_user_id", Value: realmUserId! },
                ],
              }),
            );
          }
          return { UserImportJob: { Status: "Pending" } };
        }
        if (command instanceof DescribeUserImportJobCommand) {
          const total = uploads.at(-1)!.trim().split("\n").length - 1;
          return {
            UserImportJob: {
              JobId: "import-42",
              Status: "Succeeded",
              ImportedUsers: total - 1,
              SkippedUsers: 0,
              FailedUsers: 1,
            },
          };
        }
        return real.send(command as never);
      },
    } as unknown as CognitoIdentityProviderClient;
    const logStreams: unknown[] = [];
    const logs = {
      send: async (command: GetLogEventsCommand) => {
        logStreams.push(command.input);
        return {
          events: [
            { message: `[FAILED] Line Number ${failedLine} - The user data doesn't match the schema.` },
            { message: "[SUCCEEDED] Line Number 2 - The import succeeded." },
          ],
          nextForwardToken: command.input.nextToken ?? "end",
        };
      },
    } as unknown as LogEventsSender;
    try {
      const options = adminCreateImport(adminSnapshot, join(sandbox.dir, "csv-run"), {
        engine: "csv-job",
        run: true,
      });
      const result = await importCommand(
        createServices({ cognito: () => cognito, logs: () => logs }),
        { config, quiet: true },
        options,
      );
      if (result.engine !== "csv-job") throw new Error("expected the csv-job engine");
      const poolName = (await real.send(new DescribeUserPoolCommand({ UserPoolId: pool.userPoolId })))
        .UserPool?.Name;
      expect(logStreams[0]).toEqual({
        logGroupName: `/aws/cognito/userpools/${pool.userPoolId}/${poolName}`,
        logStreamName: "import-42/cognito-import-0001",
        startFromHead: true,
      });
      const status = await statusCommand(services, { config, quiet: true }, { listPool: false });
      expect(status.ledger.failed).toBe(1);
      const csvLines = readFileSync(result.files.files[0]!.file, "utf8").trim().split("\n");
      const failedEmail = csvLines[failedLine - 1]!.split(",")[1]!;
      expect((await poolUsers(pool.userPoolId)).map((user) => user.email)).not.toContain(failedEmail);
      expect(result.files.users).toBe(csvLines.length - 1);
      const ledger = ImportLedger.open(config.ledger);
      const failed = ledger
        .usersOfCsvFile(result.files.files[0]!.file)
        .filter((user) => user.state === "failed");
      expect(failed.map((user) => [user.email, user.reason])).toEqual([
        [
          failedEmail,
          `import job import-42 FAILED line ${failedLine} of cognito-import-0001.csv: The user data doesn't match the schema.`,
        ],
      ]);
      ledger.close();
    } finally {
      await new Promise<void>((resolve) => upload.close(() => resolve()));
    }
  });

  it("refuses --run without the CloudWatch Logs role before writing any file", async () => {
    const pool = await sandbox.newPool();
    const config = sandbox.config({ userPoolId: pool.userPoolId });
    const outDir = join(sandbox.dir, "csv-no-role");
    const options = adminCreateImport(adminSnapshot, outDir, { engine: "csv-job", run: true });
    await expect(importCommand(services, { config, quiet: true }, options)).rejects.toThrow(
      /CloudWatch Logs role/,
    );
    expect(existsSync(outDir)).toBe(false);
  });
});

describe("secrets", () => {
  it("never appear in a command's output, also when the Admin API refuses them", async () => {
    const secret = sandbox.realm.apiKey.privateKey;
    const saved = { ...process.env };
    Object.assign(process.env, sandbox.env);
    const ledger = join(sandbox.dir, "secrets.db");
    let output = "";
    const said = ({ stdout, stderr }: { stdout: string; stderr: string }) => {
      output += stdout + stderr;
    };
    try {
      said(await runMain("--ledger", ledger, "--json", "doctor"));
      process.env.REALM_ADMIN_PRIVATE_KEY = "wrong-private-key-0123456789";
      said(await runMain("--ledger", ledger, "doctor"));
      said(await runMain("--ledger", ledger, "export", "-o", join(sandbox.dir, "s.ndjson"), "--admin-api"));
    } finally {
      process.env = saved;
    }
    expect(output).toContain("Admin API");
    expect(output).not.toContain(secret);
    expect(output).not.toContain("wrong-private-key-0123456789");
  });
});
