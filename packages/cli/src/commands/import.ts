import { existsSync, mkdirSync } from "node:fs";
import { DescribeUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { type Command, Option } from "commander";
import type { CognitoSender } from "../cognito/client.js";
import { readPoolImportSettings } from "../cognito/import-settings.js";
import { required } from "../config.js";
import { type ImportSummary, importWithAdminCreate } from "../engines/admin-create.js";
import { type CsvWriteSummary, writeCsvFiles } from "../engines/csv-file.js";
import {
  importJobName,
  type JobOutcome,
  jobsToSettle,
  poolCsvHeader,
  runImportJobs,
  settleFromPool,
} from "../engines/csv-job.js";
import { estimateImport, formatDuration, type ImportEstimate } from "../engines/import-estimate.js";
import { type ImportJobLogEntry, importJobLogLocation, readImportJobLog } from "../engines/import-job-log.js";
import { type PlanSummary, planImport } from "../plan.js";
import { awsErrorName, TokenBucket } from "../rate.js";
import { lockLedger } from "../run-lock.js";
import type { Services } from "../services.js";
import { listPoolIntoLedger, poolIdOf } from "./pool-listing.js";
import {
  type CommandContext,
  type CommandModule,
  contextOf,
  policyFlags,
  positiveNumber,
  print,
  withPolicyOptions,
} from "./program-options.js";

type Used = "clock" | "cognito" | "importSender" | "logs" | "openLedger" | "env" | "output";

export type ImportResult =
  | (ImportSummary & { planned: PlanSummary | undefined; estimate?: ImportEstimate })
  | {
      engine: "csv-job";
      dryRun: boolean;
      planned: PlanSummary | undefined;
      files: CsvWriteSummary;
      jobs: JobOutcome[];
      estimate?: ImportEstimate;
    };

/** What `import` is asked to do (its command-line flags). */
export interface ImportOptions {
  readonly snapshot: string;
  readonly engine: "admin-create" | "csv-job";
  readonly dryRun: boolean;
  readonly limit?: number;
  readonly listPool: boolean;
  readonly outDir: string;
  readonly run: boolean;
  readonly maxUsersPerFile?: number;
  readonly retryFailed: boolean;
}

/** `import`: plans if the ledger holds no finished plan, then runs one engine over the planned users. */
export async function importCommand(
  services: Pick<Services, "clock" | "cognito" | "importSender" | "logs" | "openLedger" | "output">,
  context: CommandContext,
  options: ImportOptions,
): Promise<ImportResult> {
  const { config } = context;
  const poolId = poolIdOf(config);
  const unlock = options.dryRun ? () => {} : lockLedger(config.ledger, "import");
  // A dry run without a ledger plans into memory: it must not even create the file.
  const ledger =
    options.dryRun && !existsSync(config.ledger)
      ? services.openLedger(":memory:")
      : services.openLedger(config.ledger);
  try {
    const plannedBefore = ledger.hasFinishedPlan();
    let planned: PlanSummary | undefined;
    if (!plannedBefore) {
      if (options.dryRun && ledger.size() === 0) {
        // A dry run must change nothing, the ledger included: plan into a throwaway copy.
        const scratch = services.openLedger(":memory:");
        try {
          if (options.listPool) await listPoolIntoLedger(services, context, scratch);
          planned = await planImport({ snapshot: options.snapshot, ledger: scratch, policy: config.policy });
        } finally {
          scratch.close();
        }
        const users =
          options.limit === undefined
            ? planned.counts.create
            : Math.min(planned.counts.create, options.limit);
        const estimate = estimateImport(options.engine, users, config.import, options.maxUsersPerFile);
        return options.engine === "admin-create"
          ? {
              engine: "admin-create",
              dryRun: true,
              outcomes: {
                created: 0,
                "already-present": 0,
                conflict: 0,
                failed: 0,
                "would-create": users,
              },
              retries: 0,
              seconds: 0,
              planned,
              estimate,
            }
          : {
              engine: "csv-job",
              dryRun: true,
              planned,
              files: { files: [], users: planned.counts.create, refused: 0 },
              jobs: [],
              estimate,
            };
      }
      const run = ledger.startRun("plan");
      if (options.listPool) await listPoolIntoLedger(services, context, ledger);
      planned = await planImport({ snapshot: options.snapshot, ledger, policy: config.policy });
      ledger.finishRun(run, { snapshot: options.snapshot, counts: planned.counts });
    }
    if (options.retryFailed && !options.dryRun) ledger.retryFailed();
    const todo = ledger.counts().planned + (options.engine === "admin-create" ? ledger.counts().failed : 0);
    if (options.engine === "admin-create") {
      const run = options.dryRun ? undefined : ledger.startRun("import admin-create");
      const progress = services.output.progress({
        label: "import",
        total: options.limit === undefined ? todo : Math.min(todo, options.limit),
        ...(context.quiet || options.dryRun ? { quiet: true } : {}),
      });
      const pool = await readPoolImportSettings(services.cognito(config), poolId);
      const summary = await importWithAdminCreate({
        markImported: pool.migrationStateAttribute,
        client: services.importSender(config),
        ledger,
        userPoolId: poolId,
        username: config.cognito.username,
        mapping: config.mapping,
        trustPendingEmails: config.policy.trustPendingEmails,
        createBucket: new TokenBucket(config.import.rate, { clock: services.clock }),
        setPasswordBucket: new TokenBucket(config.import.setPasswordRate, { clock: services.clock }),
        concurrency: config.import.concurrency,
        maxAttempts: config.import.maxAttempts,
        dryRun: options.dryRun,
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        onProgress: () => progress.tick(),
      });
      progress.stop();
      if (run !== undefined) ledger.finishRun(run, summary);
      return options.dryRun
        ? {
            ...summary,
            planned,
            estimate: estimateImport("admin-create", summary.outcomes["would-create"], config.import),
          }
        : { ...summary, planned };
    }
    if (options.dryRun)
      return {
        engine: "csv-job",
        dryRun: true,
        planned,
        files: { files: [], users: todo, refused: 0 },
        jobs: [],
        estimate: estimateImport("csv-job", todo, config.import, options.maxUsersPerFile),
      };
    // Refuse a --run that cannot start a job before writing any file.
    const roleArn = options.run
      ? required(
          config.cognito.importRoleArn,
          "cognito.importRoleArn",
          "CreateUserImportJob needs the CloudWatch Logs role: set it or --role-arn",
        )
      : undefined;
    const client = services.cognito(config);
    mkdirSync(options.outDir, { recursive: true });
    const header = await poolCsvHeader(client, poolId);
    const pool = await readPoolImportSettings(client, poolId);
    const files = await writeCsvFiles({
      ledger,
      header,
      pool,
      outDir: options.outDir,
      username: config.cognito.username,
      mapping: config.mapping,
      trustPendingEmails: config.policy.trustPendingEmails,
      ...(options.maxUsersPerFile ? { maxUsers: options.maxUsersPerFile } : {}),
    });
    let jobs: JobOutcome[] = [];
    if (roleArn !== undefined) {
      jobs = await runImportJobs({
        client,
        ledger,
        userPoolId: poolId,
        cloudWatchLogsRoleArn: roleArn,
        onJob: (job) => {
          if (!context.quiet)
            services.output.stderr(`import job ${job.jobId} (${job.file}): ${job.status}\n`);
        },
      });
      const partial = jobsToSettle(jobs);
      if (partial.length > 0) {
        await listPoolIntoLedger(services, context, ledger);
        const jobLog = importJobLogReader(services, context, client, poolId);
        for (const job of partial) settleFromPool(ledger, job, await jobLog(job));
      }
    }
    return { engine: "csv-job", dryRun: false, planned, files, jobs };
  } finally {
    ledger.close();
    unlock();
  }
}

/**
 * Reads each finished job's per-row results from CloudWatch Logs (one client and one DescribeUserPool
 * for all jobs); a job whose log cannot be read gives undefined (with a word on stderr) and the pool
 * alone settles its users, as before.
 */
function importJobLogReader(
  services: Pick<Services, "logs" | "output">,
  context: CommandContext,
  cognito: CognitoSender,
  userPoolId: string,
): (job: JobOutcome) => Promise<Map<number, ImportJobLogEntry> | undefined> {
  const logs = services.logs(context.config);
  let poolName: Promise<string> | undefined;
  return async (job) => {
    if (logs === undefined) return undefined;
    try {
      poolName ??= cognito
        .send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }))
        .then((pool) => pool.UserPool?.Name ?? "");
      return await readImportJobLog(
        logs,
        importJobLogLocation({
          userPoolId,
          poolName: await poolName,
          jobId: job.jobId,
          jobName: importJobName(job.file),
        }),
      );
    } catch (error) {
      if (!context.quiet)
        services.output.stderr(
          `import job ${job.jobId}: its CloudWatch log could not be read (${awsErrorName(error) ?? String(error)}); failed rows name their CSV line instead\n`,
        );
      return undefined;
    }
  };
}

export const importUsers: CommandModule<Used> = {
  register(program, services) {
    const importCli = program
      .command("import")
      .description("create the planned users in Cognito, exactly once, with one of two engines")
      .requiredOption("-s, --snapshot <file>", "snapshot file (planned first if the ledger has no plan)")
      .addOption(
        new Option(
          "-e, --engine <engine>",
          "admin-create (AdminCreateUser) or csv-job (import job CSV files)",
        )
          .choices(["admin-create", "csv-job"])
          .default("admin-create"),
      )
      .option("--dry-run", "show what would happen; change nothing")
      .option("--rate <n>", "AdminCreateUser calls a second (default 40)", positiveNumber)
      .option("--set-password-rate <n>", "AdminSetUserPassword calls a second (default 20)", positiveNumber)
      .option("--concurrency <n>", "requests in flight (default 16)", positiveNumber)
      .addOption(
        new Option(
          "--transport <transport>",
          "sdk, or fast: the hot calls over signed JSON requests (less CPU)",
        ).choices(["sdk", "fast"]),
      )
      .option("--limit <n>", "stop after this many users", positiveNumber)
      .option("--out-dir <dir>", "csv-job: where to write the CSV files", "cognito-import")
      .option("--max-users-per-file <n>", "csv-job: users a file (at most 500,000)", positiveNumber)
      .option("--run", "csv-job: create, upload, start and poll the import jobs")
      .option("--role-arn <arn>", "csv-job: CloudWatch Logs role for the import jobs")
      .option("--retry-failed", "plan failed users again (csv-job: into new files)");
    withPolicyOptions(importCli, "when planning, ")
      .option("--no-list-pool", "when planning, skip the pool listing")
      .action(async (options, command: Command) => {
        const context = contextOf(command, services.env, {
          "import.rate": options.rate,
          "import.setPasswordRate": options.setPasswordRate,
          "import.concurrency": options.concurrency,
          "import.transport": options.transport,
          "cognito.importRoleArn": options.roleArn,
          ...policyFlags(options),
        });
        const result = await importCommand(services, context, {
          snapshot: options.snapshot,
          engine: options.engine,
          dryRun: options.dryRun === true,
          ...(options.limit ? { limit: Math.floor(options.limit) } : {}),
          listPool: options.listPool,
          outDir: options.outDir,
          run: options.run === true,
          ...(options.maxUsersPerFile ? { maxUsersPerFile: Math.floor(options.maxUsersPerFile) } : {}),
          retryFailed: options.retryFailed === true,
        });
        print(command, services.output, result, () => {
          const estimate = result.estimate
            ? `\nestimated duration: ${result.estimate.seconds === undefined ? "not estimated" : `about ${formatDuration(result.estimate.seconds)}`} for ${result.estimate.users} users with ${result.estimate.engine} (${result.estimate.basis})`
            : "";
          if (result.engine === "admin-create")
            return `${result.dryRun ? "dry run: " : ""}${
              Object.entries(result.outcomes)
                .filter(([, n]) => n > 0)
                .map(([outcome, n]) => `${outcome} ${n}`)
                .join(", ") || "nothing to do"
            }${result.dryRun ? "" : ` in ${result.seconds.toFixed(1)} s (${result.retries} retries)`}${estimate}`;
          return `${[
            `${result.dryRun ? "dry run: would write" : "wrote"} ${result.files.users} users into ${result.files.files.length} CSV files; ${result.files.refused} refused`,
            ...result.files.files.map(
              (file) => `  ${file.file} (${file.users} users, ${file.bytes} bytes; map ${file.map})`,
            ),
            ...result.jobs.map(
              (job) =>
                `  job ${job.jobId}: ${job.status}, imported ${job.imported}, skipped ${job.skipped}, failed ${job.failed}`,
            ),
          ].join("\n")}${estimate}`;
        });
        if (result.engine === "admin-create" && result.outcomes.failed > 0) process.exitCode = 1;
        if (result.engine === "csv-job" && result.jobs.some((job) => job.status !== "Succeeded"))
          process.exitCode = 1;
      });
  },
};
