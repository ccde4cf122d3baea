import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { sameEmail } from "@realm-to-cognito/core";
import { type Command, Option } from "commander";
import { type Config, required } from "../config.js";
import { OperatorError } from "../errors.js";
import type { ImportLedger } from "../ledger/index.js";
import { type Recipient, SEND_STATUSES, SendLedger } from "../ledger/send-ledger.js";
import { AUDIENCES, parseAudience, recipientsOf } from "../operator/audience.js";
import { ledgerViewOf } from "../operator/ledger-view.js";
import { notify as sendCampaign } from "../operator/notify.js";
import {
  parseVariables,
  readTemplateFile,
  type TransportFlags,
  type TransportSettings,
  transportSettingsFrom,
} from "../operator/settings.js";
import { BEFORE_SWITCH_TEMPLATE, type MessageTemplate, RESET_NOTICE_TEMPLATE } from "../operator/template.js";
import type { MailTransport } from "../operator/transports/transport.js";
import type { Progress } from "../progress.js";
import { LONE_CALLER_CATCH_UP_MS, TokenBucket } from "../rate.js";
import type { Services } from "../services.js";
import {
  collect,
  ioOf,
  ledgerFileOf,
  numberAboveZero,
  optionsOf,
  positiveInteger,
  reporting,
} from "./operator-options.js";
import { listPoolIntoLedger } from "./pool-listing.js";
import { type CommandModule, configOf } from "./program-options.js";

type Used = "cognito" | "mail" | "openLedger" | "clock" | "env" | "output";

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

/**
 * "Is this user still outside Cognito?", asked of the pool right before a still-in-Realm message goes
 * out: phase 1 moves users every day, so the ledger's last plan is stale by the time a campaign runs.
 */
function notInPoolYet(
  services: Pick<Services, "clock" | "cognito">,
  config: Config,
): (recipient: Recipient) => Promise<boolean> {
  const userPoolId = required(
    config.cognito.userPoolId,
    "cognito.userPoolId",
    "set COGNITO_USER_POOL_ID or --pool-id",
  );
  const client = services.cognito(config);
  // ListUsers shares the account's UserList quota (30/s, not adjustable) with everything else.
  const bucket = new TokenBucket(config.import.listRate, {
    burst: 1,
    catchUpMs: LONE_CALLER_CATCH_UP_MS,
    clock: services.clock,
  });
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
  services: Pick<Services, "clock" | "cognito">,
  config: Config,
  ledger: ImportLedger,
): Promise<void> {
  await listPoolIntoLedger(services, { config }, ledger);
}

const DRY_RUN_TRANSPORT: MailTransport = {
  name: "dry-run",
  send: async () => ({ status: "failed", reason: "dry run" }),
  close: async () => {},
};

export const notify: CommandModule<Used> = {
  register(program, services) {
    program
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
      .option(
        "--reset-link <url>",
        "the reset page; {email} is replaced by the address (or NOTIFY_RESET_LINK)",
      )
      .option("--var <name=value>", "another template variable (repeatable)", collect, [])
      .addOption(
        new Option("--transport <kind>", "smtp or ses (or NOTIFY_TRANSPORT)").choices(["smtp", "ses"]),
      )
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
      .option("--rate <perSecond>", "messages a second", numberAboveZero, 10)
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
        const io = ioOf(services);
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
          const ledger = services.openLedger(ledgerFileOf(command, io.env));
          try {
            if (options.checkPool && audienceName === "imported-awaiting-reset")
              await refreshPoolListing(services, configOf(command, io.env), ledger);
            const view = ledgerViewOf(ledger);
            const sends = new SendLedger(ledger, { clock: services.clock });
            const settings: TransportSettings | undefined = options.dryRun
              ? undefined
              : transportSettingsFrom(options, io.env);
            const transport = settings ? services.mail(settings) : undefined;
            let progress: Progress | undefined;
            const controller = new AbortController();
            const stop = () => controller.abort();
            process.once("SIGINT", stop);
            try {
              const result = await sendCampaign(sends, transport ?? DRY_RUN_TRANSPORT, {
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
                  progress = services.output.progress({
                    label: "notify",
                    total: pending,
                    quiet: options.quiet === true,
                  });
                },
                onOutcome: () => progress?.tick(),
                ...(options.checkPool && audienceName === "still-in-realm"
                  ? { stillInAudience: notInPoolYet(services, configOf(command, io.env)) }
                  : {}),
              });
              if (options.json) io.out(`${JSON.stringify(result)}\n`);
              else {
                const lines = result.dryRun
                  ? [
                      `notify ${result.campaign} (dry run): would send ${result.wouldSend.length} messages`,
                      ...result.wouldSend.slice(0, 20).map((r) => `  ${r.email}`),
                      ...(result.wouldSend.length > 20
                        ? [`  … and ${result.wouldSend.length - 20} more`]
                        : []),
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
  },
};
