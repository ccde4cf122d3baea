import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands/index.js";
import { DEFAULT_LEDGER_FILE } from "./config.js";
import { CliError } from "./errors.js";
import { createServices, type Services } from "./services.js";

/**
 * Builds the `realm-to-cognito` program with every command, each taking what it uses from `services`.
 * @example await buildProgram(createServices()).parseAsync(process.argv)
 */
export function buildProgram(services: Services): Command {
  const program = new Command("realm-to-cognito")
    .description("Move the users of a MongoDB Realm (App Services) app to an Amazon Cognito user pool.")
    .option("-c, --config <file>", "JSON configuration file (secrets only from the environment)")
    .option("--ledger <file>", `the SQLite ledger (default ${DEFAULT_LEDGER_FILE})`)
    .option("--pool-id <id>", "Cognito user pool id (or COGNITO_USER_POOL_ID)")
    .option("--region <region>", "AWS region (or COGNITO_REGION)")
    .option("--endpoint <url>", "Cognito endpoint, e.g. cognito-local (or COGNITO_ENDPOINT)")
    .option("--client-id <id>", "app client id (or COGNITO_CLIENT_ID)")
    .option("--json", "machine-readable output on stdout")
    .option("-q, --quiet", "no progress on stderr")
    .exitOverride()
    // Help and usage errors go where every command's words go (subcommands inherit this).
    .configureOutput({
      writeOut: (text) => services.output.stdout(text),
      writeErr: (text) => services.output.stderr(text),
    });
  registerCommands(program, services);
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
export async function main(
  argv: readonly string[] = process.argv,
  services: Services = createServices(),
): Promise<number> {
  const program = buildProgram(services);
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
      services.output.stderr(`realm-to-cognito: ${error.message}\n`);
      return error.exitCode;
    }
    services.output.stderr(`realm-to-cognito: ${error instanceof Error ? error.message : String(error)}\n`);
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
