import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import {
  CreateUserImportJobCommand,
  DescribeUserImportJobCommand,
  GetCSVHeaderCommand,
  StartUserImportJobCommand,
  type UserImportJobType,
} from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoSender } from "../cognito/client.js";
import { CliError } from "../errors.js";
import type { ImportLedger } from "../ledger/index.js";
import { awsErrorName, sleep, withRetries } from "../rate.js";
import type { ImportJobLogEntry } from "./import-job-log.js";

/** The pool's import CSV columns, in its order. */
export async function poolCsvHeader(client: CognitoSender, userPoolId: string): Promise<string[]> {
  const answer = await client.send(new GetCSVHeaderCommand({ UserPoolId: userPoolId }));
  if (!answer.CSVHeader?.length)
    throw new CliError("IMPORT_JOB", `GetCSVHeader returned no columns for ${userPoolId}`);
  return answer.CSVHeader;
}

/** The job's name: its CSV file's, as CloudWatch names the job's log stream after it. */
export function importJobName(file: string): string {
  return basename(file, ".csv").slice(0, 128);
}

const FINISHED = new Set(["Succeeded", "Failed", "Stopped", "Expired"]);

/**
 * A minute plus the time the file takes at 512 KiB/s (a 100 MB file: about 4 min 15 s), so a
 * stalled connection fails the run instead of hanging it, and a slow office link still gets through.
 */
export function uploadDeadlineMs(bytes: number): number {
  return 60_000 + Math.ceil((bytes / (512 * 1024)) * 1000);
}

export interface RunJobsOptions {
  readonly client: CognitoSender;
  readonly ledger: ImportLedger;
  readonly userPoolId: string;
  /** The role Cognito writes the job's CloudWatch logs with (CreateUserImportJob requires it). */
  readonly cloudWatchLogsRoleArn: string;
  readonly pollMs?: number;
  /** Deadline for one file's upload; by default {@link uploadDeadlineMs} of its size. */
  readonly uploadTimeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly onJob?: (job: { file: string; jobId: string; status: string }) => void;
}

export interface JobOutcome {
  readonly file: string;
  readonly jobId: string;
  readonly status: string;
  readonly imported: number;
  readonly skipped: number;
  readonly failed: number;
  readonly message: string | undefined;
  /** When the job was created: users the pool holds from before it were not created by it. */
  readonly startedAt: Date;
}

/**
 * Runs one import job per CSV file the ledger knows and no finished job covers, one at a time (one
 * active job per account): create, PUT the file to the presigned URL with `x-amz-server-side-encryption:
 * aws:kms`, start (retried while another job holds the account), poll to the end, record the result.
 * A job whose every user was imported marks them created; otherwise the users stay planned with the
 * counts as the reason, for `verify` to settle against the pool.
 */
export async function runImportJobs(options: RunJobsOptions): Promise<JobOutcome[]> {
  const { client, ledger, userPoolId } = options;
  const doFetch = options.fetch ?? fetch;
  const done = new Set(
    ledger
      .importJobs()
      .filter((job) => job.status === "Succeeded")
      .map((job) => job.file),
  );
  const files = ledger.csvFilesWithPlannedUsers().filter((file) => !done.has(file));
  const outcomes: JobOutcome[] = [];
  for (const file of files) {
    const startedAt = new Date();
    const created = await client.send(
      new CreateUserImportJobCommand({
        UserPoolId: userPoolId,
        JobName: importJobName(file),
        CloudWatchLogsRoleArn: options.cloudWatchLogsRoleArn,
      }),
    );
    const job = created.UserImportJob;
    if (!job?.JobId || !job.PreSignedUrl)
      throw new CliError("IMPORT_JOB", `CreateUserImportJob for ${file} returned no job id or upload URL`);
    const jobId = job.JobId;
    record(ledger, file, job);
    const body = await readFile(file);
    const upload = await uploadFile(doFetch, job.PreSignedUrl, body, {
      file,
      jobId,
      timeoutMs: options.uploadTimeoutMs ?? uploadDeadlineMs(body.byteLength),
    });
    if (!upload.ok)
      throw new CliError(
        "IMPORT_JOB",
        `upload of ${file} to the import job's URL failed: HTTP ${upload.status}`,
      );
    await withRetries(
      () => client.send(new StartUserImportJobCommand({ UserPoolId: userPoolId, JobId: jobId })),
      {
        maxAttempts: 6,
        baseMs: 2_000,
        capMs: 60_000,
        isRetryable: (error) =>
          awsErrorName(error) === "LimitExceededException" ||
          awsErrorName(error) === "TooManyRequestsException",
      },
    );
    options.onJob?.({ file, jobId, status: "InProgress" });
    let described: UserImportJobType | undefined;
    for (;;) {
      described = (
        await client.send(new DescribeUserImportJobCommand({ UserPoolId: userPoolId, JobId: jobId }))
      ).UserImportJob;
      record(ledger, file, described ?? { JobId: jobId });
      if (described?.Status && FINISHED.has(described.Status)) break;
      await sleep(options.pollMs ?? 5_000);
    }
    const outcome = outcomeOf(file, jobId, described, startedAt);
    settleUsers(ledger, outcome);
    options.onJob?.({ file, jobId, status: outcome.status });
    outcomes.push(outcome);
  }
  return outcomes;
}

async function uploadFile(
  doFetch: typeof fetch,
  url: string,
  body: Uint8Array<ArrayBuffer>,
  context: { file: string; jobId: string; timeoutMs: number },
): Promise<Response> {
  try {
    return await doFetch(url, {
      method: "PUT",
      headers: { "x-amz-server-side-encryption": "aws:kms" },
      body,
      signal: AbortSignal.timeout(context.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    // The presigned URL is a credential for the upload: it is never part of the message.
    throw new CliError(
      "IMPORT_JOB",
      timedOut
        ? `upload of ${context.file} for import job ${context.jobId} did not finish within ${(context.timeoutMs / 1000).toFixed(context.timeoutMs < 10_000 ? 1 : 0)} s; the job was created but not started: run import --run again to upload into a new job`
        : `upload of ${context.file} for import job ${context.jobId} failed (${error instanceof Error ? error.message : String(error)}); the job was created but not started: run import --run again`,
    );
  }
}

function outcomeOf(
  file: string,
  jobId: string,
  job: UserImportJobType | undefined,
  startedAt: Date,
): JobOutcome {
  return {
    startedAt,
    file,
    jobId,
    status: job?.Status ?? "Unknown",
    imported: job?.ImportedUsers ?? 0,
    skipped: job?.SkippedUsers ?? 0,
    failed: job?.FailedUsers ?? 0,
    message: job?.CompletionMessage,
  };
}

function record(ledger: ImportLedger, file: string, job: UserImportJobType): void {
  ledger.recordImportJob({
    jobId: job.JobId ?? "",
    file,
    status: job.Status ?? "Unknown",
    imported: job.ImportedUsers ?? 0,
    skipped: job.SkippedUsers ?? 0,
    failed: job.FailedUsers ?? 0,
    message: job.CompletionMessage,
  });
}

function settleUsers(ledger: ImportLedger, outcome: JobOutcome): void {
  const users = ledger.usersOfCsvFile(outcome.file).filter((user) => user.state === "planned");
  const allImported = outcome.status === "Succeeded" && outcome.failed === 0 && outcome.skipped === 0;
  for (const user of users) {
    if (allImported)
      ledger.transition(user.key, "created", {
        event: `import job ${outcome.jobId}`,
        engine: "csv-job",
        ...(user.cognitoUsername ? { cognitoUsername: user.cognitoUsername } : {}),
      });
    else if (outcome.status !== "Succeeded")
      ledger.transition(user.key, "failed", {
        event: `import job ${outcome.jobId}`,
        reason: `import job ${outcome.status}: ${outcome.message ?? "no message"} (line ${user.csvLine} of ${basename(outcome.file)})`,
        engine: "csv-job",
      });
  }
  if (!allImported && outcome.status === "Succeeded") {
    // Cognito logs which lines failed or were skipped by line number only (CloudWatch); the pool
    // itself settles each user: run `verify` or `plan`, which compare it with the ledger.
    for (const user of users)
      ledger.transition(user.key, "planned", {
        event: `import job ${outcome.jobId}`,
        reason: `import job ${outcome.jobId}: ${outcome.imported} imported, ${outcome.skipped} skipped, ${outcome.failed} failed; check line ${user.csvLine} in its CloudWatch log`,
      });
  }
}

/** Jobs that finished with some rows skipped or failed: their users need the pool to settle them. */
export function jobsToSettle(outcomes: readonly JobOutcome[]): JobOutcome[] {
  return outcomes.filter(
    (outcome) => outcome.status === "Succeeded" && (outcome.skipped > 0 || outcome.failed > 0),
  );
}

/**
 * Settles the users of a partly successful job from a fresh pool listing (stored in the ledger): in the
 * pool with their realm_user_id and created since the job started → created; created before it → already
 * present (the trigger or an earlier run made them); with another realm_user_id → conflict; absent →
 * failed (`import --retry-failed` writes them again), with the job's own words for the row when its
 * CloudWatch log was read and its line numbers agree with the pool (see {@link alignLog}).
 */
export function settleFromPool(
  ledger: ImportLedger,
  outcome: JobOutcome,
  log?: ReadonlyMap<number, ImportJobLogEntry>,
): Record<"created" | "already-present" | "conflict" | "failed", number> {
  const counts = { created: 0, "already-present": 0, conflict: 0, failed: 0 };
  const event = `import job ${outcome.jobId}`;
  const users = ledger
    .usersOfCsvFile(outcome.file)
    .filter((user) => user.state === "planned")
    .map((user) => {
      const match = ledger.poolMatchOf(user);
      return { user, pooled: match?.poolUser, sameRealmUser: match?.sameRealmUser ?? false };
    });
  const rowOf = log === undefined ? undefined : alignLog(users, log);
  for (const { user, pooled, sameRealmUser } of users) {
    if (pooled === undefined) {
      const row = user.csvLine === undefined ? undefined : rowOf?.(user.csvLine);
      ledger.transition(user.key, "failed", {
        event,
        engine: "csv-job",
        reason: row
          ? `import job ${outcome.jobId} ${row.status} line ${user.csvLine} of ${basename(outcome.file)}: ${row.detail}`
          : `not in the pool after import job ${outcome.jobId}: see line ${user.csvLine} of ${basename(outcome.file)} in its CloudWatch log`,
      });
      counts.failed++;
    } else if (!sameRealmUser) {
      ledger.transition(user.key, "conflict", {
        event,
        reason: `email in Cognito with another realm_user_id (${pooled.realmUserId ?? "none"}, user ${pooled.username})`,
      });
      counts.conflict++;
    } else {
      const before =
        pooled.createdAt !== undefined && Date.parse(pooled.createdAt) < outcome.startedAt.getTime();
      const state = before ? "already-present" : "created";
      ledger.transition(user.key, state, {
        event,
        engine: "csv-job",
        cognitoUsername: pooled.username,
        ...(before ? { reason: "in the pool before the import job" } : {}),
      });
      counts[state]++;
    }
  }
  return counts;
}

/**
 * How the log's "Line Number" maps to our CSV lines (header = line 1). AWS does not say whether it
 * counts the header, so the pool decides: an offset is used only if, for every user it maps, a FAILED
 * row is absent from the pool and a SUCCEEDED row present, and it maps at least one user. Otherwise the
 * log is not trusted (a wrong offset would blame the wrong user).
 */
export function alignLog(
  users: ReadonlyArray<{ user: { csvLine?: number | undefined }; pooled: unknown }>,
  log: ReadonlyMap<number, ImportJobLogEntry>,
): ((csvLine: number) => ImportJobLogEntry | undefined) | undefined {
  for (const offset of [0, -1, 1]) {
    let mapped = 0;
    let consistent = true;
    for (const { user, pooled } of users) {
      if (user.csvLine === undefined) continue;
      const row = log.get(user.csvLine + offset);
      if (row === undefined) continue;
      mapped++;
      const inPool = pooled !== undefined;
      if ((row.status === "FAILED" && inPool) || (row.status === "SUCCEEDED" && !inPool)) {
        consistent = false;
        break;
      }
    }
    if (consistent && mapped > 0) return (csvLine) => log.get(csvLine + offset);
  }
  return undefined;
}
