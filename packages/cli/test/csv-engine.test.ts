import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  CognitoIdentityProviderClient,
  CreateUserImportJobCommand,
  DescribeUserImportJobCommand,
  GetCSVHeaderCommand,
  StartUserImportJobCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { SnapshotLine } from "@realm-to-cognito/core";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { csvRow, csvValue, writeCsvFiles } from "../src/engines/csv-file.js";
import {
  jobsToSettle,
  poolCsvHeader,
  runImportJobs,
  settleFromPool,
  uploadDeadlineMs,
} from "../src/engines/csv-job.js";
import { CliError } from "../src/errors.js";
import { ledgerKeyOf } from "../src/ledger/index.js";
import { POOL_CSV_HEADER as HEADER } from "./csv-header.js";
import { plannedLedger, sourceUser, tempDir } from "./helpers.js";

const ledgerWith = (users: SnapshotLine[]) => plannedLedger(tempDir(), users);

function user(i: number, overrides: Partial<SnapshotLine> = {}): SnapshotLine {
  return sourceUser(i, { mongoId: `6645b9c4a1e844379111${i.toString(16).padStart(4, "0")}`, ...overrides });
}

/** User `i` as the pool lists them, created at `createdAt`, with its own or another Realm user id. */
function pooledUser(i: number, createdAt: string, realmUserId = user(i).realmUserId) {
  return { username: `sub-${i}`, email: `user${i}@example.com`, realmUserId, enabled: true, createdAt };
}

describe("CSV files for Cognito's import job", () => {
  it("escapes commas with a backslash, quotes nothing, and keeps backslashes and unicode as they are", () => {
    expect(csvValue("Smith, Jr.")).toBe("Smith\\, Jr.");
    expect(csvValue('a "quoted" \\ value')).toBe('a "quoted" \\ value');
    expect(csvValue("Zoë 東京")).toBe("Zoë 東京");
  });

  it("writes header and rows byte for byte: username, verified email, mfa false, mapped attributes", async () => {
    const ledger = ledgerWith([
      user(1, { email: "zoë@exämple.com", extra: { name: "Doe, Jane \\ Zoë" } }),
      user(2, { email: "o'brien@example.com" }),
    ]);
    const dir = tempDir();
    const summary = await writeCsvFiles({
      ledger,
      header: HEADER,
      outDir: dir,
      username: "email",
      mapping: { name: "name" },
    });
    expect(summary).toMatchObject({ users: 2, refused: 0 });
    const bytes = readFileSync(summary.files[0]!.file);
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    const empty = (n: number) => ",".repeat(n);
    expect(bytes.toString("utf8")).toBe(
      `${HEADER.join(",")}\n` +
        `zoë@exämple.com,Doe\\, Jane \\ Zoë${empty(9)}zoë@exämple.com,true${empty(8)},false,64f65e24c2f20a0e2dff0001,6645b9c4a1e8443791110001\n` +
        `o'brien@example.com${empty(10)}o'brien@example.com,true${empty(8)},false,64f65e24c2f20a0e2dff0002,6645b9c4a1e8443791110002\n`,
    );
    const map = readFileSync(summary.files[0]!.map, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(map).toEqual([
      { line: 2, key: "64f65e24c2f20a0e2dff0001", username: "zoë@exämple.com", email: "zoë@exämple.com" },
      {
        line: 3,
        key: "64f65e24c2f20a0e2dff0002",
        username: "o'brien@example.com",
        email: "o'brien@example.com",
      },
    ]);
    expect(ledger.get("64f65e24c2f20a0e2dff0002")).toMatchObject({
      csvLine: 3,
      csvFile: summary.files[0]!.file,
      engine: "csv-job",
    });
    ledger.close();
  });

  it("starts a new file at the user limit and at the byte limit, losing and repeating no one", async () => {
    const users = Array.from({ length: 11 }, (_, i) => user(i + 1));
    const byCount = await writeCsvFiles({
      ledger: ledgerWith(users),
      header: HEADER,
      outDir: tempDir(),
      username: "email",
      maxUsers: 5,
    });
    expect(byCount.files.map((file) => file.users)).toEqual([5, 5, 1]);

    const row = `${csvRow(HEADER, "user1@example.com", { email: "user1@example.com", "custom:realm_user_id": users[0]!.realmUserId!, "custom:mongo_id": users[0]!.mongoId! })}\n`;
    const headerBytes = Buffer.byteLength(`${HEADER.join(",")}\n`);
    const rowBytes = Buffer.byteLength(row);
    // Exactly three rows fit: the boundary is inclusive.
    const bySize = await writeCsvFiles({
      ledger: ledgerWith(users.slice(0, 7)),
      header: HEADER,
      outDir: tempDir(),
      username: "email",
      maxBytes: headerBytes + 3 * rowBytes,
    });
    expect(bySize.files.map((file) => file.users)).toEqual([3, 3, 1]);
    for (const file of bySize.files)
      expect(readFileSync(file.file).length).toBeLessThanOrEqual(headerBytes + 3 * rowBytes);
    const everyone = bySize.files.flatMap((file) =>
      readFileSync(file.map, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).key as string),
    );
    expect(new Set(everyone).size).toBe(7);
  });

  it("refuses, with a reason in the ledger, a user whose row Cognito could not read or verify", async () => {
    const ledger = ledgerWith([
      user(1, { extra: { name: "two\nlines" } }),
      user(2, {
        realmUserId: undefined,
        confirmed: false,
        source: "pending-registrations",
        email: "pending@example.com",
      }),
      user(3, { extra: { name: "x".repeat(16_001) } }),
      user(4),
    ]);
    const summary = await writeCsvFiles({
      ledger,
      header: HEADER,
      outDir: tempDir(),
      username: "email",
      mapping: { name: "name" },
    });
    expect(summary).toMatchObject({ users: 1, refused: 3 });
    expect(ledger.get("64f65e24c2f20a0e2dff0001")?.reason).toMatch(/line break/);
    expect(ledger.get("pending:pending@example.com")?.reason).toMatch(/verified email/);
    expect(ledger.get("64f65e24c2f20a0e2dff0003")?.reason).toMatch(/16000 characters/);
    ledger.close();
  });

  it("writes again, once, the users of a file a killed run never finished", async () => {
    const ledger = ledgerWith([user(1), user(2), user(3)]);
    const dir = tempDir();
    const torn = join(dir, "cognito-import-0001.csv");
    ledger.assignCsvLines(torn, [
      { key: ledgerKeyOf(user(1)), line: 2, username: "user1@example.com" },
      { key: ledgerKeyOf(user(2)), line: 3, username: "user2@example.com" },
    ]);
    writeFileSync(`${torn}.partial`, "cognito:username,email\nuser1@exam");
    const summary = await writeCsvFiles({ ledger, header: HEADER, outDir: dir, username: "email" });
    expect(summary.users).toBe(3);
    expect(summary.files.map((file) => file.file)).toEqual([torn]);
    expect(readFileSync(torn, "utf8").trim().split("\n")).toHaveLength(4);
    expect(existsSync(`${torn}.partial`)).toBe(false);
    ledger.close();
  });

  it("writes nobody twice when run again: users already in a file keep it", async () => {
    const ledger = ledgerWith([user(1), user(2)]);
    const dir = tempDir();
    await writeCsvFiles({ ledger, header: HEADER, outDir: dir, username: "email" });
    const again = await writeCsvFiles({ ledger, header: HEADER, outDir: dir, username: "email" });
    expect(again).toMatchObject({ users: 0, files: [] });
    ledger.close();
  });
});

describe("import jobs (aws-sdk-client-mock: cognito-local has no import jobs)", () => {
  const cognito = mockClient(CognitoIdentityProviderClient);
  const uploads: Array<{ headers: IncomingMessage["headers"]; body: Buffer; url: string }> = [];
  let uploadBase = "";
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      uploads.push({ headers: request.headers, body: Buffer.concat(chunks), url: request.url ?? "" });
      response.writeHead(200).end();
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    uploadBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    cognito.reset();
    uploads.length = 0;
  });

  it("reads the pool's header with GetCSVHeader", async () => {
    cognito.on(GetCSVHeaderCommand).resolves({ CSVHeader: HEADER, UserPoolId: "pool" });
    expect(await poolCsvHeader(new CognitoIdentityProviderClient({ region: "us-east-1" }), "pool")).toEqual(
      HEADER,
    );
  });

  it("runs one job per file in turn: create, PUT with aws:kms, start (retried while another job runs), poll, settle", async () => {
    const ledger = ledgerWith([user(1), user(2), user(3)]);
    const { files } = await writeCsvFiles({
      ledger,
      header: HEADER,
      outDir: tempDir(),
      username: "email",
      maxUsers: 2,
    });
    let job = 0;
    cognito.on(CreateUserImportJobCommand).callsFake(() => {
      job++;
      return {
        UserImportJob: {
          JobId: `import-${job}`,
          PreSignedUrl: `${uploadBase}/upload/${job}`,
          Status: "Created",
        },
      };
    });
    cognito
      .on(StartUserImportJobCommand)
      .rejectsOnce(
        Object.assign(new Error("another import job is running"), { name: "LimitExceededException" }),
      )
      .resolves({ UserImportJob: { Status: "Pending" } });
    const polls: Record<string, number> = {};
    cognito.on(DescribeUserImportJobCommand).callsFake((input: { JobId: string }) => {
      polls[input.JobId] = (polls[input.JobId] ?? 0) + 1;
      if (polls[input.JobId]! < 2) return { UserImportJob: { JobId: input.JobId, Status: "InProgress" } };
      return input.JobId === "import-1"
        ? {
            UserImportJob: {
              JobId: input.JobId,
              Status: "Succeeded",
              ImportedUsers: 2,
              SkippedUsers: 0,
              FailedUsers: 0,
            },
          }
        : {
            UserImportJob: {
              JobId: input.JobId,
              Status: "Failed",
              ImportedUsers: 0,
              FailedUsers: 1,
              CompletionMessage: "Too many users have failed",
            },
          };
    });
    const outcomes = await runImportJobs({
      client: new CognitoIdentityProviderClient({ region: "us-east-1" }),
      ledger,
      userPoolId: "pool",
      cloudWatchLogsRoleArn: "arn:aws:iam::000000000000:role/CognitoImport",
      pollMs: 1,
    });
    expect(outcomes.map((outcome) => `${outcome.jobId}:${outcome.status}`)).toEqual([
      "import-1:Succeeded",
      "import-2:Failed",
    ]);
    expect(uploads.map((upload) => upload.headers["x-amz-server-side-encryption"])).toEqual([
      "aws:kms",
      "aws:kms",
    ]);
    expect(uploads[0]!.body.equals(readFileSync(files[0]!.file))).toBe(true);
    expect(cognito.commandCalls(CreateUserImportJobCommand)[0]!.args[0].input).toMatchObject({
      UserPoolId: "pool",
      CloudWatchLogsRoleArn: "arn:aws:iam::000000000000:role/CognitoImport",
    });
    expect(ledger.counts()).toMatchObject({ created: 2, failed: 1, planned: 0 });
    expect(ledger.get("64f65e24c2f20a0e2dff0003")?.reason).toMatch(
      /Failed: Too many users have failed \(line 2 of/,
    );
    expect(ledger.importJobs().map((row) => row.status)).toEqual(["Succeeded", "Failed"]);
    // A second run finds nothing left to run.
    expect(
      await runImportJobs({
        client: new CognitoIdentityProviderClient({ region: "us-east-1" }),
        ledger,
        userPoolId: "pool",
        cloudWatchLogsRoleArn: "arn",
        pollMs: 1,
      }),
    ).toEqual([]);
    ledger.close();
  }, 60_000);

  it("fails a stalled upload at its deadline, with no presigned URL in the message, and re-runs into a new job", async () => {
    const ledger = ledgerWith([user(1)]);
    await writeCsvFiles({ ledger, header: HEADER, outDir: tempDir(), username: "email" });
    const stalled = createServer(() => {}); // takes the upload and never answers
    await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
    const stalledBase = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
    let job = 0;
    cognito.on(CreateUserImportJobCommand).callsFake(() => {
      job++;
      const base = job === 1 ? stalledBase : uploadBase;
      return {
        UserImportJob: {
          JobId: `import-${job}`,
          PreSignedUrl: `${base}/upload/${job}?X-Amz-Signature=secret-signature`,
          Status: "Created",
        },
      };
    });
    cognito.on(StartUserImportJobCommand).resolves({ UserImportJob: { Status: "Pending" } });
    cognito.on(DescribeUserImportJobCommand).callsFake((input: { JobId: string }) => ({
      UserImportJob: {
        JobId: input.JobId,
        Status: "Succeeded",
        ImportedUsers: 1,
        SkippedUsers: 0,
        FailedUsers: 0,
      },
    }));
    const run = () =>
      runImportJobs({
        client: new CognitoIdentityProviderClient({ region: "us-east-1" }),
        ledger,
        userPoolId: "pool",
        cloudWatchLogsRoleArn: "arn",
        pollMs: 1,
        uploadTimeoutMs: 300,
      });
    try {
      const started = performance.now();
      const error = await run().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).message).toMatch(/did not finish within 0\.3 s.*import --run again/);
      expect((error as CliError).message).not.toContain("secret-signature");
      expect(cognito.commandCalls(StartUserImportJobCommand)).toHaveLength(0);
      expect(ledger.counts()).toMatchObject({ planned: 1 });

      const outcomes = await run();
      expect(outcomes.map((outcome) => `${outcome.jobId}:${outcome.status}`)).toEqual(["import-2:Succeeded"]);
      expect(ledger.counts()).toMatchObject({ created: 1, planned: 0 });
    } finally {
      stalled.closeAllConnections();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
      ledger.close();
    }
  });

  it("gives an upload a minute plus its size at 512 KiB/s", () => {
    expect(uploadDeadlineMs(0)).toBe(60_000);
    expect(uploadDeadlineMs(100 * 1024 * 1024)).toBe(260_000);
  });

  it("settles a partly successful job's users from the pool: created, already present, conflict, failed with its line", async () => {
    const ledger = ledgerWith([user(1), user(2), user(3), user(4)]);
    const { files } = await writeCsvFiles({ ledger, header: HEADER, outDir: tempDir(), username: "email" });
    const startedAt = new Date("2026-11-27T03:00:00Z");
    const outcome = {
      file: files[0]!.file,
      jobId: "import-9",
      status: "Succeeded",
      imported: 1,
      skipped: 2,
      failed: 1,
      message: undefined,
      startedAt,
    };
    expect(jobsToSettle([outcome, { ...outcome, skipped: 0, failed: 0 }])).toEqual([outcome]);
    ledger.replacePoolUsers("pool", [
      pooledUser(1, "2026-11-27T03:00:05Z"),
      pooledUser(2, "2026-11-01T00:00:00Z"),
      pooledUser(3, "2026-11-01T00:00:00Z", "ffffffffffffffffffffffff"),
    ]);
    expect(settleFromPool(ledger, outcome)).toEqual({
      created: 1,
      "already-present": 1,
      conflict: 1,
      failed: 1,
    });
    expect(ledger.get(user(4).realmUserId!)?.reason).toMatch(
      /not in the pool after import job import-9: see line 5 of cognito-import-0001\.csv/,
    );
    expect(ledger.retryFailed()).toBe(1);
    const again = await writeCsvFiles({ ledger, header: HEADER, outDir: tempDir(), username: "email" });
    expect(again.users).toBe(1);
    ledger.close();
  });
  describe("with the job's CloudWatch log", () => {
    // Users 1..4 on CSV lines 2..5 (the header is line 1). Only user 1 reached the pool.
    async function partlyFailedJob() {
      const ledger = ledgerWith([user(1), user(2), user(3), user(4)]);
      const { files } = await writeCsvFiles({ ledger, header: HEADER, outDir: tempDir(), username: "email" });
      ledger.replacePoolUsers("pool", [pooledUser(1, "2026-11-27T03:00:05Z")]);
      const outcome = {
        file: files[0]!.file,
        jobId: "import-7",
        status: "Succeeded",
        imported: 1,
        skipped: 0,
        failed: 3,
        message: undefined,
        startedAt: new Date("2026-11-27T03:00:00Z"),
      };
      return { ledger, outcome };
    }
    const NOT_VERIFIED =
      "The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true).";
    const rows = (firstLine: number) =>
      new Map(
        [
          { status: "SUCCEEDED" as const, detail: "The import succeeded." },
          { status: "FAILED" as const, detail: NOT_VERIFIED },
          { status: "FAILED" as const, detail: "The user data doesn't match the schema." },
          { status: "FAILED" as const, detail: NOT_VERIFIED },
        ].map((row, index) => [firstLine + index, { ...row, line: firstLine + index }]),
      );

    it("gives each failed user the job's own reason, whether the log counts the header or not", async () => {
      for (const firstLine of [2, 1]) {
        const { ledger, outcome } = await partlyFailedJob();
        expect(settleFromPool(ledger, outcome, rows(firstLine))).toMatchObject({ created: 1, failed: 3 });
        expect(ledger.get(user(3).realmUserId!)?.reason).toBe(
          "import job import-7 FAILED line 4 of cognito-import-0001.csv: The user data doesn't match the schema.",
        );
        expect(ledger.get(user(2).realmUserId!)?.reason).toContain(NOT_VERIFIED);
        ledger.close();
      }
    });

    it("does not trust a log whose lines disagree with the pool, and names the CSV line instead", async () => {
      const { ledger, outcome } = await partlyFailedJob();
      // Says user 1 failed though the pool holds them, under either numbering.
      const contradicting = new Map(
        [1, 2, 3, 4, 5].map((line) => [line, { line, status: "FAILED" as const, detail: NOT_VERIFIED }]),
      );
      settleFromPool(ledger, outcome, contradicting);
      expect(ledger.get(user(2).realmUserId!)?.reason).toBe(
        "not in the pool after import job import-7: see line 3 of cognito-import-0001.csv in its CloudWatch log",
      );
      ledger.close();
    });
  });
});
