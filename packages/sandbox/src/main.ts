import "./quiet-sdk.js";
import { MIGRATION_MODES, type MigrationMode } from "@realm-to-cognito/core";
import { Command, InvalidArgumentError, Option } from "commander";
import {
  MIGRATION_API_ROUTES,
  SANDBOX_FUNCTIONS,
  type SandboxWorld,
  startSandboxWorld,
  USER_EXISTENCE_ERRORS,
  type UserDirectoryKind,
  type UserExistenceErrors,
} from "./world.js";

interface SandboxFlags {
  json: boolean;
  seedUsers: number;
  seed: number;
  dataDir?: string;
  portBase: number;
  mode: MigrationMode;
  userDirectory?: UserDirectoryKind;
  snapshotFile?: string;
  logLevel: string;
  userExistenceErrors: UserExistenceErrors;
}

function wholeNumber(name: string, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 0 to ${max}`);
    }
    return Number(value);
  };
}

function parseFlags(argv: string[]): SandboxFlags {
  return new Command("sandbox")
    .description(
      "Start the local world: App Services emulator, cognito-local, the Lambda bridge and the migration API.",
    )
    .option("--json", "print the world's description as one JSON line first on stdout", false)
    .option(
      "--seed-users <n>",
      "users to seed into the emulator",
      wholeNumber("--seed-users", 1_000_000),
      1000,
    )
    .option("--seed <s>", "seed of the deterministic user generator", wholeNumber("--seed", 2 ** 31), 1)
    .option("--data-dir <dir>", "keep everything (SQLite storage, cognito-local data) in this directory")
    .option(
      "--port-base <p>",
      "0 = free ports; else realm P, cognito P+1, lambda P+2, api P+3",
      wholeNumber("--port-base", 65_532),
      0,
    )
    .addOption(
      new Option("--mode <mode>", "migration mode").choices(MIGRATION_MODES).default("realm-primary"),
    )
    .addOption(
      new Option(
        "--user-directory <kind>",
        "where the trigger finds users for ForgotPassword (default by mode)",
      ).choices(["admin-api", "snapshot", "none"]),
    )
    .option(
      "--snapshot-file <file>",
      "for --user-directory snapshot: the CLI's directory file (realm-to-cognito directory) or an export's NDJSON",
    )
    .addOption(
      new Option(
        "--user-existence-errors <how>",
        "hidden: the app client hides whether a user exists (PreventUserExistenceErrors ENABLED, as the Cognito console and Amplify Gen 2 make it); revealed: LEGACY",
      )
        .choices(USER_EXISTENCE_ERRORS)
        .default("hidden"),
    )
    .addOption(
      new Option("--log-level <level>", "the handlers' LOG_LEVEL (their logs go to stderr)")
        .choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
        .default("warn"),
    )
    .parse(argv)
    .opts<SandboxFlags>();
}

function humanReadable(world: SandboxWorld): string {
  const { realm, cognito, lambda, users } = world.describe();
  const routes = Object.keys(MIGRATION_API_ROUTES).map(
    (route) => `${route} → ${world.api.baseUrl}${route.split(" ")[1]}`,
  );
  return [
    `Sandbox world is running (mode ${world.mode}).`,
    `  App Services   ${realm.baseUrl}   app id ${realm.appId}`,
    `  Admin API      ${realm.adminBaseUrl}/api/admin/v3.0   group ${realm.groupId}   app ${realm.appObjectId}   API key ${realm.apiKey.publicKey}`,
    `  Cognito        ${cognito.endpoint}   region ${cognito.region}   pool ${cognito.userPoolId}   client ${cognito.clientId}   (cognito-local pid ${world.cognito.pid})`,
    `                 user existence ${world.userExistenceErrors} (PreventUserExistenceErrors ${world.userExistenceErrors === "hidden" ? "ENABLED" : "LEGACY"}; cognito-local itself at ${world.cognitoLocalEndpoint})`,
    `  Lambda         ${lambda.endpoint}   functions ${SANDBOX_FUNCTIONS.join(", ")}`,
    `  Migration API  ${world.api.baseUrl}`,
    ...routes.map((route) => `                 ${route}`),
    "Demo users (email / password / state):",
    ...users.map((user) => `  ${user.email}   ${user.password}   ${user.state}`),
    "Press Ctrl-C to stop.",
  ].join("\n");
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv);
  const startedAt = performance.now();
  process.stderr.write("Starting the sandbox world...\n");
  const starting = startSandboxWorld({
    mode: flags.mode,
    seedUsers: flags.seedUsers,
    seed: flags.seed,
    portBase: flags.portBase,
    logLevel: flags.logLevel,
    userExistenceErrors: flags.userExistenceErrors,
    ...(flags.userDirectory ? { userDirectory: flags.userDirectory } : {}),
    ...(flags.snapshotFile ? { snapshotFile: flags.snapshotFile } : {}),
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
  });

  // Installed before the world is up, so Ctrl-C during start-up still stops whatever started.
  // One Ctrl-C often arrives twice (from the terminal to the process group, and relayed by tsx/npx),
  // so only a signal well after the first one means "stop waiting".
  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < 2_000) return;
      process.stderr.write(`${signal} again: exiting without waiting.\n`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    process.stderr.write(`${signal}: stopping the sandbox world...\n`);
    starting
      .then((world) => world.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`could not stop cleanly: ${messageOf(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const world = await starting;
  if (stoppingSince !== undefined) return;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(world.describe())}\n`);
    process.stdout.write(
      `${JSON.stringify({ migrationApi: { baseUrl: world.api.baseUrl }, mode: world.mode, userExistenceErrors: world.userExistenceErrors })}\n`,
    );
  }
  process.stdout.write(`${humanReadable(world)}\n`);
  process.stderr.write(
    `Started in ${Math.round(performance.now() - startedAt)} ms (cognito-local ${world.cognito.startupMs} ms).\n`,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox failed to start: ${messageOf(error)}\n`);
  process.exit(1);
});
