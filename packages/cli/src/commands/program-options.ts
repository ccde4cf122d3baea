import { type Command, InvalidArgumentError } from "commander";
import { type Config, type FlagSettings, loadConfig } from "../config.js";
import type { Output, Services } from "../services.js";

/** The program's own options, which every command reads with its own. */
export interface GlobalOptions {
  config?: string;
  ledger?: string;
  poolId?: string;
  region?: string;
  endpoint?: string;
  clientId?: string;
  json?: boolean;
  quiet?: boolean;
}

/** What a command runs with besides its services: the configuration it read, and whether to be quiet. */
export interface CommandContext {
  readonly config: Config;
  /** No progress on stderr. */
  readonly quiet?: boolean;
}

/**
 * Every command module's one shape: it adds itself to the program, taking only the services it uses.
 * @example const doctor: CommandModule<"cognito" | "env" | "output"> = { register(program, services) {...} };
 */
export interface CommandModule<Used extends keyof Services> {
  register(program: Command, services: Pick<Services, Used>): void;
}

export function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError("expected a positive number");
  return number;
}

/** The configuration: the file `--config` names, then the environment, then the global and `extra` flags. */
export function configOf(command: Command, env: NodeJS.ProcessEnv, extra: FlagSettings = {}): Config {
  const global = command.optsWithGlobals<GlobalOptions>();
  return loadConfig({
    ...(global.config ? { file: global.config } : {}),
    env,
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

/** The context of a migration command: its configuration and the program's --quiet. */
export function contextOf(
  command: Command,
  env: NodeJS.ProcessEnv,
  extra: FlagSettings = {},
): CommandContext {
  return {
    config: configOf(command, env, extra),
    quiet: command.optsWithGlobals<GlobalOptions>().quiet ?? false,
  };
}

function isJson(command: Command): boolean {
  return command.optsWithGlobals<GlobalOptions>().json === true;
}

/** Prints a command's result: `value` as JSON with --json, else the text. */
export function print(command: Command, output: Output, value: unknown, text: () => string): void {
  output.stdout(isJson(command) ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

/** The planning policy's flags: `plan` has them, and `import` for when it plans first. */
export function withPolicyOptions(command: Command, when = ""): Command {
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
export function policyFlags(options: PolicyFlags): FlagSettings {
  return {
    "policy.includeDisabled": options.includeDisabled,
    "policy.includePending": options.includePending ?? (options.trustPendingEmails ? true : undefined),
    "policy.trustPendingEmails": options.trustPendingEmails,
  };
}
