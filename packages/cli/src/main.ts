import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { formatSourcePosition } from "@realm-to-cognito/core";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import {
  doctorCommand,
  exportCommand,
  formatDuration,
  importCommand,
  planCommand,
  statusCommand,
  verifyCommand,
} from "./commands.js";
import { type Config, type FlagSettings, loadConfig } from "./config.js";
import { writeDirectoryFile } from "./directory-file.js";
import { CliError } from "./errors.js";
import { registerOperatorCommands } from "./operator/index.js";
import { formatStatus } from "./status.js";

interface GlobalOptions {
  config?: string;
  ledger?: string;
  poolId?: string;
  region?: string;
  endpoint?: string;
  clientId?: string;
  json?: boolean;
  quiet?: boolean;
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError("expected a positive number");
  return number;
}

function configOf(command: Command, extra: FlagSettings = {}): Config {
  const global = command.optsWithGlobals<GlobalOptions>();
  return loadConfig({
    ...(global.config ? { file: global.config } : {}),
    env: process.env,
    flags: {
      ledger: global.ledger,
      "cognito.userPoolId": global.poolId,
      "cognito.region": global.region,
      "cognito.endpoint": global.endpoint,
      "cognito.clientId": global.clientId,
      ...extra,
    },
  });
}

function isJson(command: Command): boolean {
  return command.optsWithGlobals<GlobalOptions>().json === true;
}

function print(command: Command, value: unknown, text: () => string): void {
  process.stdout.write(isJson(command) ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

/** The planning policy's flags: `plan` has them, and `import` for when it plans first. */
function withPolicyOptions(command: Command, when = ""): Command {
  return command
    .option("--include-disabled", `${when}import users disabled in Realm`)
    .option("--include-pending", `${when}import pending registrations (their email stays unverified)`)
    .option(
      "--trust-pending-emails",
      "import pending registrations with a verified email, so they can reset",
    );
}

interface PolicyFlags {
  includeDisabled?: boolean;
  includePending?: boolean;
  trustPendingEmails?: boolean;
}

// Trusting pending emails means importing pending registrations.
function policyFlags(options: PolicyFlags): FlagSettings {
  return {
    "policy.includeDisabled": options.includeDisabled,
    "policy.includePending": options.includePending ?? (options.trustPendingEmails ? true : undefined),
    "policy.trustPendingEmails": options.trustPendingEmails,
  };
}

/** Builds the `realm-to-cognito` program (migration commands); `main` adds the operator's and runs it. */
export function buildProgram(): Command {
  const program = new Command("realm-to-cognito")
    .description("Move the users of a MongoDB Realm (App Services) app to an Amazon Cognito user pool.")
    .option("-c, --config <file>", "JSON configuration file (secrets only from the environment)")
    .option("--ledger <file>", "the SQLite ledger (default realm-to-cognito.ledger.db)")
    .option("--pool-id <id>", "Cognito user pool id (or COGNITO_USER_POOL_ID)")
    .option("--region <region>", "AWS region (or COGNITO_REGION)")
    .option("--endpoint <url>", "Cognito endpoint, e.g. cognito-local (or COGNITO_ENDPOINT)")
    .option("--client-id <id>", "app client id (or COGNITO_CLIENT_ID)")
    .option("--json", "machine-readable output on stdout")
    .option("-q, --quiet", "no progress on stderr")
    .exitOverride();

  program
    .command("doctor")
    .description("check configuration, Realm, the Admin API and the pool; say which modes are possible")
    .option("--snapshot <file>", "a snapshot phase 2 could import from")
    .addOption(
      new Option(
        "--mode <mode>",
        "the mode the deployment runs in (self sign-up must be closed in realm-primary)",
      ).choices(["realm-primary", "cognito-primary"]),
    )
    .action(
      async (
        options: { snapshot?: string; mode?: "realm-primary" | "cognito-primary" },
        command: Command,
      ) => {
        const configFile = command.optsWithGlobals<GlobalOptions>().config;
        const report = await doctorCommand(
          { config: configOf(command) },
          { ...options, ...(configFile ? { configFile } : {}) },
        );
        print(command, report, () =>
          report.checks
            .map(
              (check) =>
                `${check.ok ? (check.warn ? "WARN" : "ok  ") : "FIX "} [${check.area}] ${check.what}${check.fix ? `\n       → ${check.fix}` : ""}`,
            )
            .join("\n"),
        );
        if (!report.ok) process.exitCode = 1;
      },
    );

  program
    .command("export")
    .description(
      "write a snapshot (NDJSON + manifest + rejects) from the Admin API and/or the user collection",
    )
    .requiredOption("-o, --out <file>", "snapshot file to write, e.g. users.ndjson")
    .option("--admin-api", "read users and pending registrations through the Admin API")
    .option("--mongoexport <file>", "read the user collection from a mongoexport file (lines or array)")
    .option("--collection", "read the user collection through the MongoDB driver (MONGODB_URI)")
    .option(
      "--flowerbase <file>",
      "read users from a mongoexport of flowerbase's auth_users (instead of the Admin API)",
    )
    .option(
      "--flowerbase-collection",
      "read users from flowerbase's auth_users through the driver (MONGODB_URI)",
    )
    .option("--no-pending", "leave out pending registrations")
    .option("--resume", "continue an interrupted export after its last user")
    .option("--user-id-field <field>", "user collection: field holding the Realm user id")
    .option("--email-field <field>", "user collection: field holding the email")
    .option("--mongo-id-field <field>", "user collection: field holding the document id")
    .option(
      "--status-field <field>",
      "user collection alone: field holding the account state (confirmed, pending, disabled; other words in the config file)",
    )
    .option("--verified-field <field>", "user collection alone: boolean field saying the email is verified")
    .option("--disabled-field <field>", "user collection alone: boolean field saying the account is disabled")
    .option(
      "--every-document-confirmed",
      "user collection alone, no status field: state that every document belongs to a confirmed user (else all are pending)",
    )
    .action(async (options, command: Command) => {
      const config = configOf(command, {
        "userCollection.userIdField": options.userIdField,
        "userCollection.emailField": options.emailField,
        "userCollection.mongoIdField": options.mongoIdField,
        "userCollection.status.statusField": options.statusField,
        "userCollection.status.verifiedField": options.verifiedField,
        "userCollection.status.disabledField": options.disabledField,
        "userCollection.status.everyDocumentConfirmed":
          options.everyDocumentConfirmed === true ? true : undefined,
      });
      const result = await exportCommand(
        { config, quiet: command.optsWithGlobals<GlobalOptions>().quiet ?? false },
        {
          out: options.out,
          adminApi: options.adminApi === true,
          mongoexport: options.mongoexport,
          collection: options.collection === true,
          ...(options.flowerbase ? { flowerbase: options.flowerbase } : {}),
          flowerbaseCollection: options.flowerbaseCollection === true,
          pending: options.pending !== false,
          resume: options.resume === true,
        },
      );
      print(command, result, () =>
        [
          `snapshot ${result.paths.snapshot}: ${result.manifest.users} users (${Object.entries(
            result.manifest.bySource,
          )
            .map(([source, n]) => `${source} ${n}`)
            .join(", ")})`,
          `  confirmed ${result.manifest.byState.confirmed}, pending ${result.manifest.byState.pending}, disabled ${result.manifest.byState.disabled}`,
          `  rejected ${result.manifest.rejects} (see ${result.paths.rejects})`,
          ...(result.manifest.unmatched
            ? [
                `  unmatched: ${result.manifest.unmatched.withoutUserDocument} users without a user document (exported), ${result.manifest.unmatched.documentWithoutUser} documents without a user (rejected); see ${result.paths.unmatched}`,
              ]
            : []),
          `  sha256 ${result.manifest.sha256}`,
        ].join("\n"),
      );
    });

  withPolicyOptions(
    program
      .command("plan")
      .description("compare a snapshot with the pool and record what import would do, with reasons")
      .requiredOption("-s, --snapshot <file>", "snapshot file"),
  )
    .option("--no-list-pool", "use the pool listing stored in the ledger")
    .action(async (options, command: Command) => {
      const config = configOf(command, policyFlags(options));
      const summary = await planCommand(
        { config },
        { snapshot: options.snapshot, listPool: options.listPool },
      );
      print(command, summary, () =>
        [
          `plan for ${summary.snapshotLines} snapshot lines${summary.poolUsers === undefined ? "" : ` against ${summary.poolUsers} pool users`}${summary.exportRejects ? ` (and ${summary.exportRejects.count} rows export rejected: ${summary.exportRejects.file})` : ""}:`,
          ...Object.entries(summary.counts).map(([action, n]) => `  ${action.padEnd(16)} ${n}`),
          ...Object.entries(summary.byReason).map(([reason, n]) => `    ${reason}: ${n}`),
          ...summary.items
            .slice(0, 50)
            .map(
              (item) =>
                `  ${item.at ? formatSourcePosition(item.at) : `line ${item.line}`} ${item.email ?? ""} ${item.action}: ${item.reason ?? ""}`,
            ),
          summary.items.length > 50
            ? `  ... ${summary.items.length - 50 + summary.itemsLeftOut} more (--json lists them)`
            : "",
        ]
          .filter(Boolean)
          .join("\n"),
      );
    });

  const importCli = program
    .command("import")
    .description("create the planned users in Cognito, exactly once, with one of two engines")
    .requiredOption("-s, --snapshot <file>", "snapshot file (planned first if the ledger has no plan)")
    .addOption(
      new Option("-e, --engine <engine>", "admin-create (AdminCreateUser) or csv-job (import job CSV files)")
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
      const config = configOf(command, {
        "import.rate": options.rate,
        "import.setPasswordRate": options.setPasswordRate,
        "import.concurrency": options.concurrency,
        "import.transport": options.transport,
        "cognito.importRoleArn": options.roleArn,
        ...policyFlags(options),
      });
      const result = await importCommand(
        { config, quiet: command.optsWithGlobals<GlobalOptions>().quiet ?? false },
        {
          snapshot: options.snapshot,
          engine: options.engine,
          dryRun: options.dryRun === true,
          ...(options.limit ? { limit: Math.floor(options.limit) } : {}),
          listPool: options.listPool,
          outDir: options.outDir,
          run: options.run === true,
          ...(options.maxUsersPerFile ? { maxUsersPerFile: Math.floor(options.maxUsersPerFile) } : {}),
          retryFailed: options.retryFailed === true,
        },
      );
      print(command, result, () => {
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

  program
    .command("verify")
    .description("reconcile snapshot, ledger and pool; list every difference; exit 1 when any")
    .requiredOption("-s, --snapshot <file>", "snapshot file")
    .option("--no-list-pool", "use the pool listing stored in the ledger")
    .action(async (options, command: Command) => {
      const report = await verifyCommand(
        { config: configOf(command) },
        { snapshot: options.snapshot, listPool: options.listPool },
      );
      print(command, report, () =>
        [
          `${report.present} of ${report.checked} importable users present exactly once with the right realm_user_id and email`,
          ...report.differences.map(
            (difference) =>
              `  ${difference.kind}: ${difference.email ?? ""} ${difference.key ?? ""} ${difference.detail}`,
          ),
          report.differencesLeftOut ? `  ... ${report.differencesLeftOut} more` : "",
          report.differences.length === 0
            ? "no differences"
            : `${report.differences.length + report.differencesLeftOut} differences`,
        ]
          .filter(Boolean)
          .join("\n"),
      );
      if (report.differences.length > 0) process.exitCode = 1;
    });

  program
    .command("directory")
    .description(
      "write the trigger's forgot-password directory (USER_SNAPSHOT_FILE) from a snapshot: sorted, searched in place",
    )
    .requiredOption("-s, --snapshot <file>", "snapshot file")
    .requiredOption("-o, --out <file>", "the directory file to write")
    .action(async (options, command: Command) => {
      const summary = await writeDirectoryFile(options.snapshot, options.out);
      print(
        command,
        summary,
        () =>
          `directory ${summary.file}: ${summary.users} users, ${summary.ambiguous} emails shared by two Realm users (match nobody), ${summary.notEligible} not eligible (pending, disabled, no Realm id), ${summary.badLines} unreadable lines`,
      );
    });

  program
    .command("status")
    .description("counts by state from the ledger and the pool")
    .option("--no-list-pool", "use the pool listing stored in the ledger")
    .action(async (options, command: Command) => {
      const report = await statusCommand({ config: configOf(command) }, { listPool: options.listPool });
      print(command, report, () => formatStatus(report));
    });

  shortUsageErrors(program);
  return program;
}

/**
 * A usage error is one line (commander's own) and a hint naming the command's `--help`, never the help
 * itself: 30 lines of options pushed the error off the screen.
 */
function shortUsageErrors(program: Command): void {
  program.showHelpAfterError(false).exitOverride();
  program.showHelpAfterError(`(run realm-to-cognito --help for usage)`);
  for (const command of program.commands)
    command.exitOverride().showHelpAfterError(`(run realm-to-cognito ${command.name()} --help for usage)`);
}

/** Runs the command line; resolves to the exit code (0 done, 1 failed, 2 bad usage). */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  // notify, forecast and report (the operator's commands) read the same configuration's ledger.
  registerOperatorCommands(program, { ledgerFile: (command) => configOf(command).ledger });
  shortUsageErrors(program);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
      )
        return 0;
      return 2;
    }
    if (error instanceof CliError) {
      process.stderr.write(`realm-to-cognito: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`realm-to-cognito: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** Runs the command line as a process: sets the exit code, and exits even if a socket lingers. */
export async function runAsCommand(argv: readonly string[]): Promise<void> {
  const code = await main(argv);
  process.exitCode = code;
  setTimeout(() => process.exit(code), 200).unref();
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href)
  await runAsCommand(process.argv);
