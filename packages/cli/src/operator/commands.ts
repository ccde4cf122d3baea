import { readFileSync } from "node:fs";
import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { parseSnapshotLine, sameEmail } from "@realm-to-cognito/core";
import { emailOf } from "@realm-to-cognito/realm";
import { type Command, InvalidArgumentError, Option } from "commander";
import { createCognitoClient } from "../cognito/client.js";
import { adminClientOf, listPoolIntoLedger } from "../commands.js";
import { type Config, loadConfig, required } from "../config.js";
import { OperatorError } from "../errors.js";
import { ImportLedger } from "../ledger.js";
import { writePrivateFile } from "../output-file.js";
import { type Progress, startProgress } from "../progress.js";
import { LONE_CALLER_CATCH_UP_MS, TokenBucket } from "../rate.js";
import { AUDIENCES, parseAudience, recipientsOf } from "./audience.js";
import { importBounceEvents } from "./bounces.js";
import { type ForecastUser, forecastPhaseOne, formatForecast, usersLeftAtSwitch } from "./forecast.js";
import { isInCognito, type LedgerView, ledgerViewOf } from "./ledger-view.js";
import { notify } from "./notify.js";
import { gatherReport, renderReportHtml } from "./report.js";
import type { Recipient } from "./send-ledger.js";
import { SEND_STATUSES, SendLedger } from "./send-ledger.js";
import {
  parseVariables,
  readTemplateFile,
  type TransportFlags,
  type TransportSettings,
  transportSettingsFrom,
} from "./settings.js";
import { type MessageTemplate, RESET_NOTICE_TEMPLATE } from "./template.js";
import { createSesTransport } from "./transports/ses.js";
import { createSmtpTransport } from "./transports/smtp.js";
import type { MailTransport } from "./transports/transport.js";

/** What the operator's commands need from the composition root; every field has a default. */
export interface OperatorDeps {
  /** The ledger file when `--ledger` is not given (e.g. from the CLI's configuration file). */
  readonly ledgerFile?: (command: Command) => string;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly now?: () => Date;
  /** No progress on stderr (the program's --quiet also turns it off). */
  readonly quiet?: boolean;
  /** Builds the mail transport; tests may hand in their own. */
  readonly transport?: (settings: TransportSettings, env: NodeJS.ProcessEnv) => MailTransport;
}

const DEFAULT_LEDGER = "realm-to-cognito.ledger.db";

interface NotifyFlags extends TransportFlags {
  audience: string;
  campaign?: string;
  template?: string;
  from?: string;
  appName?: string;
  resetLink?: string;
  var: string[];
  rate: number;
  concurrency: number;
  limit?: number;
  dryRun: boolean;
  resendUnknown: boolean;
  retryFailed: boolean;
  takeOver?: string;
  checkPool?: boolean;
  json?: boolean;
  quiet?: boolean;
}

interface ForecastFlags {
  snapshot?: string;
  adminApi?: boolean;
  weeks: number[];
  switchWeek?: number;
  dormantDays: number;
  asOf?: string;
  leftFile?: string;
  json?: boolean;
}

interface ReportFlags {
  out: string;
  title: string;
  weeks: number[];
  switchWeek?: number;
  dormantDays: number;
  json?: boolean;
}

/** Still-in-Realm users are told to sign in before the switch, so phase 1 keeps their password. */
export const BEFORE_SWITCH_TEMPLATE: MessageTemplate = {
  subject: "{{appName}}: sign in before {{switchDate}} to keep your password",
  text: [
    "Hello,",
    "",
    "{{appName}} is moving to a new sign-in system on {{switchDate}}. Sign in once before then with your",
    "usual email ({{email}}) and password, and nothing changes for you. After that date you will be asked",
    "to choose a new password here: {{resetLink}}",
  ].join("\n"),
  html: [
    "<p>Hello,</p>",
    "<p>{{appName}} is moving to a new sign-in system on <b>{{switchDate}}</b>. Sign in once before then with",
    "your usual email ({{email}}) and password, and nothing changes for you.</p>",
    '<p>After that date you will be asked to <a href="{{resetLink}}">choose a new password</a>.</p>',
  ].join("\n"),
};

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number above 0");
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a whole number above 0");
  return n;
}

function weekList(value: string): number[] {
  const weeks = value.split(",").map((w) => Number(w.trim()));
  if (weeks.some((w) => !Number.isInteger(w) || w <= 0))
    throw new InvalidArgumentError("expected weeks like 4,8,12");
  return weeks;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface Io {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  now: () => Date;
}

function ioOf(deps: OperatorDeps): Io {
  return {
    env: deps.env ?? process.env,
    out: deps.stdout ?? ((t) => process.stdout.write(t)),
    err: deps.stderr ?? ((t) => process.stderr.write(t)),
    now: deps.now ?? (() => new Date()),
  };
}

function ledgerFileOf(command: Command, deps: OperatorDeps, env: NodeJS.ProcessEnv): string {
  const flag = command.optsWithGlobals<{ ledger?: string }>().ledger;
  return flag ?? deps.ledgerFile?.(command) ?? (env.REALM_TO_COGNITO_LEDGER || DEFAULT_LEDGER);
}

// The program may define --ledger and --json itself; commander then hands them to the program, not to
// the subcommand, so options are always read with the globals.
function optionsOf<T>(command: Command): T {
  return command.optsWithGlobals<T & object>();
}

// Operator errors become a message and an exit code here; anything else is the composition root's.
async function reporting(io: Io, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof OperatorError) {
      io.err(`realm-to-cognito: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}

interface CliGlobals {
  config?: string;
  poolId?: string;
  region?: string;
  endpoint?: string;
}

/** The CLI's own configuration (file, environment, global flags), for Realm and Cognito settings. */
function cliConfigOf(command: Command, io: Io): Config {
  const globals = command.optsWithGlobals<CliGlobals>();
  return loadConfig({
    ...(globals.config ? { file: globals.config } : {}),
    env: io.env,
    flags: {
      "cognito.userPoolId": globals.poolId,
      "cognito.region": globals.region,
      "cognito.endpoint": globals.endpoint,
    },
  });
}

/**
 * "Is this user still outside Cognito?", asked of the pool right before a still-in-Realm message goes
 * out: phase 1 moves users every day, so the ledger's last plan is stale by the time a campaign runs.
 */
function notInPoolYet(config: Config, env: NodeJS.ProcessEnv): (recipient: Recipient) => Promise<boolean> {
  const userPoolId = required(
    config.cognito.userPoolId,
    "cognito.userPoolId",
    "set COGNITO_USER_POOL_ID or --pool-id",
  );
  const client = createCognitoClient({
    region: config.cognito.region,
    endpoint: config.cognito.endpoint,
    env,
  });
  // ListUsers shares the account's UserList quota (30/s, not adjustable) with everything else.
  const bucket = new TokenBucket(config.import.listRate, { burst: 1, catchUpMs: LONE_CALLER_CATCH_UP_MS });
  return async (recipient) => {
    await bucket.take();
    const filter = `email = "${recipient.email.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    const { Users = [] } = await client.send(
      new ListUsersCommand({ UserPoolId: userPoolId, Filter: filter, Limit: 2 }),
    );
    return !Users.some((user) =>
      (user.Attributes ?? []).some(
        (a) => a.Name === "email" && a.Value !== undefined && sameEmail(a.Value, recipient.email),
      ),
    );
  };
}

/** Lists the pool into the ledger again: who reset since the last listing is then known. */
async function refreshPoolListing(
  ledger: ImportLedger,
  config: Config,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const cognito = createCognitoClient({
    region: config.cognito.region,
    endpoint: config.cognito.endpoint,
    env,
  });
  await listPoolIntoLedger({ config, cognito, quiet: true }, ledger);
}

async function adminApiUsers(config: Config, known: KnownKeys): Promise<ForecastUser[]> {
  const admin = adminClientOf(config);
  const users: ForecastUser[] = [];
  for await (const user of admin.users()) {
    if (user.disabled) continue; // a disabled user cannot sign in, so phase 1 cannot move them
    if (known.rejected.has(user.id)) continue; // the plan will not move them: not in the population
    users.push({
      key: user.id,
      email: emailOf(user) ?? user.id,
      lastSignInAt:
        user.lastAuthenticationDate === undefined ? undefined : user.lastAuthenticationDate * 1000,
      migrated: known.inCognito.has(user.id),
    });
  }
  return users;
}

function defaultTransport(settings: TransportSettings, env: NodeJS.ProcessEnv): MailTransport {
  if (settings.kind === "smtp") {
    const pass = env.SMTP_PASSWORD;
    if (settings.user && !pass) {
      throw new OperatorError("TRANSPORT_CONFIG", "SMTP_USER is set but SMTP_PASSWORD is not", {
        exitCode: 2,
      });
    }
    return createSmtpTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      allowSelfSigned: settings.allowSelfSigned,
      ...(settings.user && pass ? { auth: { user: settings.user, pass } } : {}),
    });
  }
  // Keys in the given environment win (as in the SDK's chain); otherwise the SDK's default chain.
  const keys =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  return createSesTransport({
    region: settings.region,
    ...(keys ? { credentials: keys } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.configurationSetName ? { configurationSetName: settings.configurationSetName } : {}),
  });
}

interface KnownKeys {
  /** Already in Cognito, whichever phase moved them: the forecast starts from the others. */
  readonly inCognito: ReadonlySet<string>;
  /** Rejected by the plan: never moved, so outside the population every view counts. */
  readonly rejected: ReadonlySet<string>;
}

function knownKeysOf(view: LedgerView): KnownKeys {
  const inCognito = new Set<string>();
  const rejected = new Set<string>();
  for (const user of view.users()) {
    if (isInCognito(user.state)) inCognito.add(user.key);
    else if (user.state === "rejected") rejected.add(user.key);
  }
  return { inCognito, rejected };
}

/**
 * The forecast's population: the ledger's users to move (the rejected will never move), those already in
 * Cognito marked so, the same users `status`, `report` and notify's audiences count (see populationOf).
 */
export function forecastUsersOf(view: LedgerView, snapshot: string | undefined): ForecastUser[] {
  const users: ForecastUser[] = [];
  for (const user of view.users()) {
    if (user.state === "rejected") continue;
    users.push({
      key: user.key,
      email: user.email,
      lastSignInAt: user.lastAuthenticatedAt === undefined ? undefined : Date.parse(user.lastAuthenticatedAt),
      migrated: isInCognito(user.state),
    });
  }
  if (snapshot === undefined) return users;
  const known = knownKeysOf(view);
  // A snapshot gives the population; the ledger (if any) says who phase 1 already moved.
  const fromSnapshot: ForecastUser[] = [];
  for (const line of readFileSync(snapshot, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const parsed = parseSnapshotLine(line);
    if (!parsed.ok || parsed.user.realmUserId === undefined) continue;
    if (known.rejected.has(parsed.user.realmUserId)) continue;
    fromSnapshot.push({
      key: parsed.user.realmUserId,
      email: parsed.user.email,
      lastSignInAt:
        parsed.user.lastAuthenticatedAt === undefined
          ? undefined
          : Date.parse(parsed.user.lastAuthenticatedAt),
      migrated: known.inCognito.has(parsed.user.realmUserId),
    });
  }
  return fromSnapshot;
}

const EMPTY_VIEW: LedgerView = {
  users: () => [],
  migrationsByDay: () => [],
  rejectsByReason: () => [],
  problems: () => ({ total: 0, first: [] }),
};

/**
 * Adds `notify`, `record-bounces`, `forecast` and `report` to the program.
 * @example registerOperatorCommands(program, { ledgerFile: () => loadConfig(...).ledger })
 */
export function registerOperatorCommands(program: Command, deps: OperatorDeps = {}): void {
  registerNotify(program, deps);
  registerRecordBounces(program, deps);
  registerForecast(program, deps);
  registerReport(program, deps);
}

export function registerNotify(program: Command, deps: OperatorDeps = {}): Command {
  return program
    .command("notify")
    .description(
      "Email users of an audience (default: imported, awaiting reset) once each, recorded in the ledger. A run killed mid-send never resends: such sends are reported as unknown.",
    )
    .addOption(
      new Option("--audience <name>", "who to write to")
        .choices([...AUDIENCES])
        .default("imported-awaiting-reset"),
    )
    .option(
      "--campaign <name>",
      "the campaign's name; one message per user per campaign (default: the audience)",
    )
    .option(
      "--template <file>",
      "JSON {subject, text, html}; variables {{email}}, {{resetLink}}, {{appName}}, --var ...",
    )
    .option("--from <address>", "sender address (or NOTIFY_FROM)")
    .option("--app-name <name>", "the app's name for {{appName}} (or NOTIFY_APP_NAME)")
    .option("--reset-link <url>", "the reset page; {email} is replaced by the address (or NOTIFY_RESET_LINK)")
    .option("--var <name=value>", "another template variable (repeatable)", collect, [])
    .addOption(new Option("--transport <kind>", "smtp or ses (or NOTIFY_TRANSPORT)").choices(["smtp", "ses"]))
    .option(
      "--smtp-host <host>",
      "SMTP relay (or SMTP_HOST); SMTP_USER and SMTP_PASSWORD from the environment",
    )
    .option("--smtp-port <port>", "SMTP port (or SMTP_PORT, default 587)")
    .option("--smtp-secure", "TLS from the first byte (port 465)")
    .option("--smtp-allow-self-signed", "accept a self-signed certificate (local relays only)")
    .option("--ses-region <region>", "SES region (or SES_REGION / AWS_REGION)")
    .option("--ses-endpoint <url>", "SES endpoint override, e.g. a local emulator (or SES_ENDPOINT)")
    .option("--ses-configuration-set <name>", "SES configuration set (bounce events)")
    .option("--rate <perSecond>", "messages a second", positiveNumber, 10)
    .option("--concurrency <n>", "parallel sends", positiveInteger, 1)
    .option("--limit <n>", "send at most n messages in this run", positiveInteger)
    .option("--dry-run", "show who would get the message; send and record nothing", false)
    .option(
      "--resend-unknown",
      "send again to users whose earlier send was cut off (they may get it twice)",
      false,
    )
    .option("--retry-failed", "send again to users whose earlier send failed (not bounced)", false)
    .option(
      "--take-over <run-id>",
      "take the campaign over from an unfinished run on another host that is gone (its cut-off sends become unknown)",
    )
    .option(
      "--check-pool",
      "imported-awaiting-reset: list the pool first, so users who reset since are left out; still-in-realm: ask the pool (ListUsers by email) right before each send and skip users phase 1 moved meanwhile",
    )
    .option("--ledger <file>", "the ledger file")
    .option("--json", "print the summary as JSON")
    .action(async (_: unknown, command: Command) => {
      const options = optionsOf<NotifyFlags>(command);
      const io = ioOf(deps);
      await reporting(io, async () => {
        const audienceName = parseAudience(options.audience);
        const from = options.from ?? io.env.NOTIFY_FROM;
        const appName = options.appName ?? io.env.NOTIFY_APP_NAME;
        const resetLink = options.resetLink ?? io.env.NOTIFY_RESET_LINK;
        for (const [value, flag] of [
          [from, "--from (or NOTIFY_FROM)"],
          [appName, "--app-name (or NOTIFY_APP_NAME)"],
          [resetLink, "--reset-link (or NOTIFY_RESET_LINK)"],
        ] as const) {
          if (!value) throw new OperatorError("TRANSPORT_CONFIG", `notify needs ${flag}`, { exitCode: 2 });
        }
        const template: MessageTemplate = options.template
          ? readTemplateFile(options.template)
          : audienceName === "still-in-realm"
            ? BEFORE_SWITCH_TEMPLATE
            : RESET_NOTICE_TEMPLATE;
        const variables = { ...parseVariables(options.var), appName: appName! };
        const ledger = ImportLedger.open(ledgerFileOf(command, deps, io.env));
        try {
          if (options.checkPool && audienceName === "imported-awaiting-reset")
            await refreshPoolListing(ledger, cliConfigOf(command, io), io.env);
          const view = ledgerViewOf(ledger.db);
          const sends = new SendLedger(ledger.db, { now: io.now });
          const settings: TransportSettings | undefined = options.dryRun
            ? undefined
            : transportSettingsFrom(options, io.env);
          const transport = settings ? (deps.transport ?? defaultTransport)(settings, io.env) : undefined;
          let progress: Progress | undefined;
          const controller = new AbortController();
          const stop = () => controller.abort();
          process.once("SIGINT", stop);
          try {
            const result = await notify(sends, transport ?? DRY_RUN_TRANSPORT, {
              campaign: options.campaign ?? audienceName,
              audience: recipientsOf(audienceName, view.users()),
              template,
              from: from!,
              variables,
              resetLink: resetLink!,
              ratePerSecond: options.rate,
              concurrency: options.concurrency,
              ...(options.limit === undefined ? {} : { limit: options.limit }),
              dryRun: options.dryRun,
              resendUnknown: options.resendUnknown,
              retryFailed: options.retryFailed,
              ...(options.takeOver === undefined ? {} : { takeOver: options.takeOver }),
              signal: controller.signal,
              onStart: (pending) => {
                progress = startProgress({
                  label: "notify",
                  total: pending,
                  quiet: options.quiet === true || deps.quiet === true,
                });
              },
              onOutcome: () => progress?.tick(),
              ...(options.checkPool && audienceName === "still-in-realm"
                ? { stillInAudience: notInPoolYet(cliConfigOf(command, io), io.env) }
                : {}),
            });
            if (options.json) io.out(`${JSON.stringify(result)}\n`);
            else {
              const lines = result.dryRun
                ? [
                    `notify ${result.campaign} (dry run): would send ${result.wouldSend.length} messages`,
                    ...result.wouldSend.slice(0, 20).map((r) => `  ${r.email}`),
                    ...(result.wouldSend.length > 20 ? [`  … and ${result.wouldSend.length - 20} more`] : []),
                    ...(result.sample
                      ? [
                          "",
                          `sample message (to ${result.sample.to}):`,
                          `  Subject: ${result.sample.subject}`,
                          "",
                          ...result.sample.text.split("\n").map((line) => `  ${line}`),
                        ]
                      : []),
                  ]
                : [
                    `notify ${result.campaign}: sent ${result.sent}, failed ${result.failed}, bounced ${result.bounced}, unknown ${result.unknown} (attempted ${result.attempted}${result.skipped ? `, skipped ${result.skipped} no longer in the audience` : ""})`,
                    ...(result.interrupted > 0
                      ? [
                          `${result.interrupted} sends of an earlier run were cut off and are now "unknown": not resent (use --resend-unknown to send them again, at the risk of a duplicate)`,
                        ]
                      : []),
                    `campaign totals: ${SEND_STATUSES.map((s) => `${s} ${result.totals[s]}`).join(", ")}`,
                  ];
              io.out(`${lines.join("\n")}\n`);
            }
            if (result.stoppedBecause) {
              io.err(`notify stopped: ${result.stoppedBecause}\n`);
              process.exitCode = 1;
            }
          } finally {
            process.removeListener("SIGINT", stop);
            progress?.stop();
            await transport?.close();
          }
        } finally {
          ledger.close();
        }
      });
    });
}

export function registerRecordBounces(program: Command, deps: OperatorDeps = {}): Command {
  return program
    .command("record-bounces")
    .description(
      "Record SES bounce and complaint events against notify's sends: a permanent bounce becomes bounced, a transient one failed (retried with notify --retry-failed). Reads SNS notifications, SES event publishing, SQS messages or batches, or EventBridge events; NDJSON or one JSON document.",
    )
    .argument("<file>", "the events file")
    .option("--dry-run", "show what would be recorded; change nothing", false)
    .option("--ledger <file>", "the ledger file")
    .option("--json", "print the result as JSON")
    .action(async (file: string, _: unknown, command: Command) => {
      const options = optionsOf<{ dryRun: boolean; json?: boolean }>(command);
      const io = ioOf(deps);
      await reporting(io, async () => {
        const ledger = ImportLedger.open(ledgerFileOf(command, deps, io.env));
        try {
          const sends = new SendLedger(ledger.db, { now: io.now });
          const result = await importBounceEvents(sends, file, { dryRun: options.dryRun });
          for (const rejected of result.rejected)
            io.err(`record-bounces: ${file} ${rejected.where}: ${rejected.reason}; skipped\n`);
          if (options.json) io.out(`${JSON.stringify(result)}\n`);
          else
            io.out(
              `record-bounces${options.dryRun ? " (dry run)" : ""}: ${result.events} events: bounced ${result.bounced}, failed (transient) ${result.failed}, already recorded ${result.alreadyRecorded}, complaints ${result.complaints}, not ours ${result.unmatched}, other events ${result.ignored}; ${result.rejected.length} unreadable skipped\n`,
            );
        } finally {
          ledger.close();
        }
      });
    });
}

const DRY_RUN_TRANSPORT: MailTransport = {
  name: "dry-run",
  send: async () => ({ status: "failed", reason: "dry run" }),
  close: async () => {},
};

export function registerForecast(program: Command, deps: OperatorDeps = {}): Command {
  return program
    .command("forecast")
    .description(
      "Estimate how many users phase 1 will have migrated with their password after N weeks, and who will be left for phase 2; prints the model and its assumptions.",
    )
    .option(
      "--snapshot <file>",
      "the users (NDJSON snapshot from `export`); default: the users in the ledger",
    )
    .option(
      "--admin-api",
      "read the users and their last sign-in from the Realm Admin API (REALM_* settings)",
    )
    .option("--weeks <list>", "horizons in weeks", weekList, [1, 2, 3, 4, 6, 8, 10, 12])
    .option("--switch-week <n>", "the week you plan to switch to phase 2", positiveInteger)
    .option("--dormant-days <n>", "users not seen for longer are dormant", positiveInteger, 180)
    .option("--as-of <iso>", "forecast from this moment (default now)")
    .option(
      "--left-file <file>",
      "write the users expected to be left for phase 2 (NDJSON, least likely to sign in first)",
    )
    .option("--ledger <file>", "the ledger file")
    .option("--json", "print the forecast as JSON")
    .action(async (_: unknown, command: Command) => {
      const options = optionsOf<ForecastFlags>(command);
      const io = ioOf(deps);
      await reporting(io, async () => {
        const asOf = options.asOf ? Date.parse(options.asOf) : io.now().getTime();
        if (Number.isNaN(asOf))
          throw new OperatorError("FORECAST_INPUT", `--as-of "${options.asOf}" is not a date`, {
            exitCode: 2,
          });
        const ledger = ImportLedger.open(ledgerFileOf(command, deps, io.env));
        try {
          const view = ledger.size() > 0 ? ledgerViewOf(ledger.db) : EMPTY_VIEW;
          const users = options.adminApi
            ? await adminApiUsers(cliConfigOf(command, io), knownKeysOf(view))
            : forecastUsersOf(view, options.snapshot);
          if (users.length === 0) {
            throw new OperatorError(
              "FORECAST_INPUT",
              "no users: give --snapshot <file>, or run `plan` to fill the ledger",
            );
          }
          const forecast = forecastPhaseOne(users, {
            asOf,
            weeks: options.weeks,
            dormantAfterDays: options.dormantDays,
            ...(options.switchWeek === undefined ? {} : { switchAfterWeeks: options.switchWeek }),
          });
          io.out(options.json ? `${JSON.stringify(forecast)}\n` : `${formatForecast(forecast)}\n`);
          if (options.leftFile) {
            const left = usersLeftAtSwitch(users, forecast);
            writePrivateFile(options.leftFile, left.map((u) => `${JSON.stringify(u)}\n`).join(""));
            if (!options.json)
              io.out(`${left.length} users expected to be left for phase 2 written to ${options.leftFile}\n`);
          }
        } finally {
          ledger.close();
        }
      });
    });
}

export function registerReport(program: Command, deps: OperatorDeps = {}): Command {
  return program
    .command("report")
    .description(
      "Write one self-contained HTML page (no network needed): users by state, migrations a day, the phase 1 forecast, rejects by reason, notification outcomes.",
    )
    .option("--out <file>", "where to write the page", "migration-report.html")
    .option("--title <text>", "the page's title", "Realm → Cognito migration")
    .option("--weeks <list>", "forecast horizons in weeks", weekList, [1, 2, 3, 4, 6, 8, 10, 12])
    .option(
      "--switch-week <n>",
      "the week you plan to switch to phase 2 (drawn on the forecast; none by default)",
      positiveInteger,
    )
    .option("--dormant-days <n>", "users not seen for longer are dormant", positiveInteger, 180)
    .option("--ledger <file>", "the ledger file")
    .option("--json", "print the report's figures as JSON (the page is written too)")
    .action(async (_: unknown, command: Command) => {
      const options = optionsOf<ReportFlags>(command);
      const io = ioOf(deps);
      await reporting(io, async () => {
        const ledger = ImportLedger.open(ledgerFileOf(command, deps, io.env));
        try {
          const view = ledgerViewOf(ledger.db);
          const sends = new SendLedger(ledger.db, { now: io.now });
          const users = forecastUsersOf(view, undefined);
          const now = io.now();
          // Nobody left in Realm: nothing to forecast.
          const forecast = users.some((u) => !u.migrated && u.lastSignInAt !== undefined)
            ? forecastPhaseOne(users, {
                asOf: now.getTime(),
                weeks: options.weeks,
                dormantAfterDays: options.dormantDays,
                ...(options.switchWeek === undefined ? {} : { switchAfterWeeks: options.switchWeek }),
              })
            : undefined;
          const data = gatherReport(view, sends, forecast, { title: options.title, now });
          // The page lists failed and conflicting users' emails: readable by its owner only.
          writePrivateFile(options.out, renderReportHtml(data));
          io.out(
            options.json
              ? `${JSON.stringify({ out: options.out, ...data })}\n`
              : `report written to ${options.out}: ${data.population.percentComplete} % in Cognito. ${data.nextStep}\n`,
          );
        } finally {
          ledger.close();
        }
      });
    });
}
