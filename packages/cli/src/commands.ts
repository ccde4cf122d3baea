import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { DescribeUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { AdminClient } from "@realm-to-cognito/realm";
import { type CognitoSender, createCognitoClient } from "./cognito/client.js";
import { createFastCognitoSender } from "./cognito/fast-sender.js";
import { readPoolImportSettings } from "./cognito/import-settings.js";
import { listPoolUsers } from "./cognito/pool.js";
import { type Config, required } from "./config.js";
import { type DoctorReport, runDoctor } from "./doctor.js";
import { type ImportSummary, importWithAdminCreate } from "./engines/admin-create.js";
import { type CsvWriteSummary, writeCsvFiles } from "./engines/csv-file.js";
import {
  importJobName,
  type JobOutcome,
  jobsToSettle,
  poolCsvHeader,
  runImportJobs,
  settleFromPool,
} from "./engines/csv-job.js";
import {
  createLogsClient,
  type ImportJobLogEntry,
  importJobLogLocation,
  type LogEventsSender,
  readImportJobLog,
} from "./engines/import-job-log.js";
import { CliError } from "./errors.js";
import { type CollectionSource, type ExportResult, exportSnapshot, type FlowerbaseSource } from "./export.js";
import { ImportLedger } from "./ledger.js";
import { type PlanSummary, planImport } from "./plan.js";
import { startProgress } from "./progress.js";
import { awsErrorName, TokenBucket } from "./rate.js";
import { lockLedger } from "./run-lock.js";
import { manifestSchema, snapshotPaths } from "./snapshot-file.js";
import { migrationStatus, type StatusReport } from "./status.js";
import { type VerifyReport, verifyMigration } from "./verify.js";

/** What every command receives: the configuration and how to reach the outside. */
export interface CommandContext {
  readonly config: Config;
  /** Cognito client; built from the configuration when not given. */
  readonly cognito?: CognitoSender;
  /**
   * CloudWatch Logs, to read a partly failed import job's per-row results; built from the
   * configuration when not given, and skipped against a local Cognito endpoint.
   */
  readonly logs?: LogEventsSender;
  readonly quiet?: boolean;
}

function cognitoOf(context: CommandContext): CognitoSender {
  return (
    context.cognito ??
    createCognitoClient({ region: context.config.cognito.region, endpoint: context.config.cognito.endpoint })
  );
}

// The import's sender: the SDK, or the fast transport for its hot calls when configured.
function importSenderOf(context: CommandContext): CognitoSender {
  const { config } = context;
  if (context.cognito || config.import.transport === "sdk") return cognitoOf(context);
  return createFastCognitoSender({
    sdk: createCognitoClient({ region: config.cognito.region, endpoint: config.cognito.endpoint }),
    region: config.cognito.region,
    endpoint: config.cognito.endpoint,
    maxSockets: config.import.concurrency * 2,
  });
}

function poolIdOf(config: Config): string {
  return required(
    config.cognito.userPoolId,
    "cognito.userPoolId",
    "set it in the config file, COGNITO_USER_POOL_ID or --pool-id",
  );
}

function openLedger(config: Config): ImportLedger {
  return ImportLedger.open(config.ledger);
}

/** The Realm Admin API client the configuration describes; a missing setting is a ConfigError naming it. */
export function adminClientOf(config: Config): AdminClient {
  const baseUrl = config.realm.adminBaseUrl ?? config.realm.baseUrl;
  return new AdminClient({
    groupId: required(config.realm.groupId, "realm.groupId", "set it or REALM_GROUP_ID"),
    appObjectId: required(config.realm.appObjectId, "realm.appObjectId", "set it or REALM_APP_OBJECT_ID"),
    publicKey: required(config.realm.publicKey, "realm.publicKey", "set it or REALM_ADMIN_PUBLIC_KEY"),
    privateKey: required(
      config.secrets.realmAdminPrivateKey,
      "REALM_ADMIN_PRIVATE_KEY",
      "set the environment variable",
    ),
    ...(baseUrl ? { baseUrl } : {}),
  });
}

/** `export`: writes a snapshot from the Admin API and/or the user collection. */
export async function exportCommand(
  context: CommandContext,
  options: {
    out: string;
    adminApi: boolean;
    mongoexport?: string;
    collection: boolean;
    /** A mongoexport of flowerbase's auth_users. */
    flowerbase?: string;
    /** flowerbase's auth_users through the driver (MONGODB_URI). */
    flowerbaseCollection?: boolean;
    pending: boolean;
    resume: boolean;
  },
): Promise<ExportResult> {
  const { config } = context;
  let collection: CollectionSource | undefined;
  let flowerbase: FlowerbaseSource | undefined;
  let mongo: import("mongodb").MongoClient | undefined;
  const connect = async (): Promise<import("mongodb").MongoClient> => {
    if (mongo) return mongo;
    const uri = required(
      config.secrets.mongodbUri,
      "MONGODB_URI",
      "set the environment variable MONGODB_URI",
    );
    const { MongoClient } = await import("mongodb");
    mongo = new MongoClient(uri);
    await mongo.connect();
    return mongo;
  };
  if (options.adminApi && (options.flowerbase || options.flowerbaseCollection))
    throw new CliError("BAD_USAGE", "export reads users from the Admin API or from flowerbase, not both");
  try {
    if (options.mongoexport) collection = { kind: "mongoexport", file: options.mongoexport };
    else if (options.collection) {
      const db = (await connect()).db(config.userCollection.database);
      const name = config.userCollection.collection;
      collection = {
        kind: "driver",
        name: `${db.databaseName}.${name}`,
        collection: { find: (filter, findOptions) => db.collection(name).find(filter, findOptions) },
      };
    }
    if (options.flowerbase) flowerbase = { kind: "mongoexport", file: options.flowerbase };
    else if (options.flowerbaseCollection) {
      const db = (await connect()).db(config.flowerbase.database ?? config.userCollection.database);
      const name = config.flowerbase.collection;
      flowerbase = {
        kind: "driver",
        name: `${db.databaseName}.${name}`,
        collection: { find: (filter, findOptions) => db.collection(name).find(filter, findOptions) },
      };
    }
  } catch (error) {
    await mongo?.close();
    throw error;
  }
  const closeMongo = async (): Promise<void> => {
    await mongo?.close();
  };
  const admin = options.adminApi ? adminClientOf(config) : undefined;
  if (!admin && !collection && !flowerbase)
    throw new CliError(
      "BAD_USAGE",
      "export needs a source: --admin-api, --flowerbase <file>, --flowerbase-collection, --mongoexport <file> or --collection",
    );
  let reported = 0;
  try {
    return await exportSnapshot({
      out: options.out,
      ...(admin ? { adminApi: admin } : {}),
      ...(flowerbase ? { flowerbase } : {}),
      ...(collection ? { collection } : {}),
      pending: options.pending,
      resume: options.resume,
      fields: config.userCollection,
      onProgress: (written, rejected) => {
        if (context.quiet || written + rejected - reported < 10_000) return;
        reported = written + rejected;
        process.stderr.write(`export: ${written} users, ${rejected} rejected\n`);
      },
    });
  } finally {
    await closeMongo();
  }
}

/** Lists the pool into the ledger; returns how many users it holds. */
export async function listPoolIntoLedger(context: CommandContext, ledger: ImportLedger): Promise<number> {
  const poolId = poolIdOf(context.config);
  const bucket = new TokenBucket(context.config.import.listRate, { burst: 1 });
  const writer = ledger.poolWriter(poolId);
  for await (const page of listPoolUsers(cognitoOf(context), poolId, bucket)) writer.add(page);
  return writer.finish();
}

/** `plan`: lists the pool, classifies the snapshot's users, records the plan in the ledger. */
export async function planCommand(
  context: CommandContext,
  options: { snapshot: string; listPool: boolean },
): Promise<
  PlanSummary & {
    poolUsers: number | undefined;
    /** Rows export already rejected (in the rejects file beside the snapshot, each with its source line). */
    exportRejects?: { count: number; file: string };
  }
> {
  const unlock = lockLedger(context.config.ledger, "plan");
  const ledger = openLedger(context.config);
  try {
    const run = ledger.startRun("plan");
    const poolUsers = options.listPool ? await listPoolIntoLedger(context, ledger) : undefined;
    const summary = await planImport({ snapshot: options.snapshot, ledger, policy: context.config.policy });
    ledger.finishRun(run, { snapshot: options.snapshot, counts: summary.counts });
    const exportRejects = exportRejectsOf(options.snapshot);
    return { ...summary, poolUsers, ...(exportRejects ? { exportRejects } : {}) };
  } finally {
    ledger.close();
    unlock();
  }
}

function exportRejectsOf(snapshot: string): { count: number; file: string } | undefined {
  const paths = snapshotPaths(snapshot);
  try {
    const manifest = manifestSchema.safeParse(JSON.parse(readFileSync(paths.manifest, "utf8")));
    return manifest.success ? { count: manifest.data.rejects, file: paths.rejects } : undefined;
  } catch {
    return undefined;
  }
}

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

/** A dry run's forecast of the import: how long it would take at the configured engine and rate. */
export interface ImportEstimate {
  readonly engine: "admin-create" | "csv-job";
  readonly users: number;
  /** Undefined when no honest figure exists (AWS documents no import-job throughput). */
  readonly seconds: number | undefined;
  /** Users a second the estimate assumes (admin-create). */
  readonly usersPerSecond?: number;
  /** CSV files (and so import jobs, run one at a time per account) the csv-job engine would need. */
  readonly files?: number;
  /** How the figure was reached, in words. */
  readonly basis: string;
}

/**
 * admin-create creates each user with AdminCreateUser then AdminSetUserPassword, each paced by its own
 * bucket: the slower rate sets the pace. The csv-job engine's pace is Cognito's, which AWS does not
 * document: only the files and jobs are counted.
 */
export function estimateImport(
  engine: "admin-create" | "csv-job",
  users: number,
  settings: Config["import"],
  maxUsersPerFile = CSV_USERS_PER_FILE,
): ImportEstimate {
  if (engine === "admin-create") {
    const usersPerSecond = Math.min(settings.rate, settings.setPasswordRate);
    return {
      engine,
      users,
      seconds: users / usersPerSecond,
      usersPerSecond,
      basis: `AdminCreateUser at ${settings.rate}/s and AdminSetUserPassword at ${settings.setPasswordRate}/s: ${usersPerSecond} users a second at best (retries and throttling add to it)`,
    };
  }
  const files = Math.ceil(users / Math.max(1, Math.min(maxUsersPerFile, CSV_USERS_PER_FILE)));
  return {
    engine,
    users,
    seconds: undefined,
    files,
    basis: `${files} CSV file${files === 1 ? "" : "s"}, one import job each, run one at a time (one active job per account); AWS documents no import-job throughput, so no duration is estimated`,
  };
}

const CSV_USERS_PER_FILE = 500_000;

/** "45 s", "12 min", "5 h 36 min": a duration an operator reads at a glance. */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

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
export async function importCommand(context: CommandContext, options: ImportOptions): Promise<ImportResult> {
  const { config } = context;
  const poolId = poolIdOf(config);
  const unlock = options.dryRun ? () => {} : lockLedger(config.ledger, "import");
  // A dry run without a ledger plans into memory: it must not even create the file.
  const ledger =
    options.dryRun && !existsSync(config.ledger) ? ImportLedger.open(":memory:") : openLedger(config);
  try {
    const plannedBefore = ledger.hasFinishedPlan();
    let planned: PlanSummary | undefined;
    if (!plannedBefore) {
      if (options.dryRun && ledger.size() === 0) {
        // A dry run must change nothing, the ledger included: plan into a throwaway copy.
        const scratch = ImportLedger.open(":memory:");
        try {
          if (options.listPool) await listPoolIntoLedger(context, scratch);
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
      if (options.listPool) await listPoolIntoLedger(context, ledger);
      planned = await planImport({ snapshot: options.snapshot, ledger, policy: config.policy });
      ledger.finishRun(run, { snapshot: options.snapshot, counts: planned.counts });
    }
    if (options.retryFailed && !options.dryRun) ledger.retryFailed();
    const todo = ledger.counts().planned + (options.engine === "admin-create" ? ledger.counts().failed : 0);
    if (options.engine === "admin-create") {
      const run = options.dryRun ? undefined : ledger.startRun("import admin-create");
      const progress = startProgress({
        label: "import",
        total: options.limit === undefined ? todo : Math.min(todo, options.limit),
        ...(context.quiet || options.dryRun ? { quiet: true } : {}),
      });
      const pool = await readPoolImportSettings(cognitoOf(context), poolId);
      const summary = await importWithAdminCreate({
        markImported: pool.migrationStateAttribute,
        client: importSenderOf(context),
        ledger,
        userPoolId: poolId,
        username: config.cognito.username,
        mapping: config.mapping,
        trustPendingEmails: config.policy.trustPendingEmails,
        createBucket: new TokenBucket(config.import.rate),
        setPasswordBucket: new TokenBucket(config.import.setPasswordRate),
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
    const client = cognitoOf(context);
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
          if (!context.quiet) process.stderr.write(`import job ${job.jobId} (${job.file}): ${job.status}\n`);
        },
      });
      const partial = jobsToSettle(jobs);
      if (partial.length > 0) {
        await listPoolIntoLedger(context, ledger);
        const jobLog = importJobLogReader(context, client, poolId);
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
  context: CommandContext,
  cognito: CognitoSender,
  userPoolId: string,
): (job: JobOutcome) => Promise<Map<number, ImportJobLogEntry> | undefined> {
  const logs =
    context.logs ??
    (context.config.cognito.endpoint === undefined
      ? createLogsClient({ region: context.config.cognito.region })
      : undefined);
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
        process.stderr.write(
          `import job ${job.jobId}: its CloudWatch log could not be read (${awsErrorName(error) ?? String(error)}); failed rows name their CSV line instead\n`,
        );
      return undefined;
    }
  };
}

/** `verify`: lists the pool and reconciles it with the snapshot and the ledger. */
export async function verifyCommand(
  context: CommandContext,
  options: { snapshot: string; listPool: boolean },
): Promise<VerifyReport> {
  const ledger = openLedger(context.config);
  try {
    if (options.listPool) await listPoolIntoLedger(context, ledger);
    return await verifyMigration({ snapshot: options.snapshot, ledger });
  } finally {
    ledger.close();
  }
}

/** `status`: counts from the ledger and (freshly listed unless told not to) the pool. */
export async function statusCommand(
  context: CommandContext,
  options: { listPool: boolean },
): Promise<StatusReport> {
  const ledger = openLedger(context.config);
  try {
    if (options.listPool) await listPoolIntoLedger(context, ledger);
    return migrationStatus(ledger);
  } finally {
    ledger.close();
  }
}

/** `doctor`: read-only; it opens no ledger and writes no file. */
export function doctorCommand(
  context: CommandContext,
  options: { snapshot?: string; configFile?: string; mode?: "realm-primary" | "cognito-primary" },
): Promise<DoctorReport> {
  return runDoctor({
    config: context.config,
    ...(context.config.cognito.userPoolId ? { cognito: cognitoOf(context) } : {}),
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    ...(options.configFile ? { configFile: options.configFile } : {}),
    ...(options.mode ? { mode: options.mode } : {}),
  });
}
