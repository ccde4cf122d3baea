import { type Command, Option } from "commander";
import { type DoctorReport, runDoctor } from "../doctor.js";
import type { Services } from "../services.js";
import {
  type CommandContext,
  type CommandModule,
  configOf,
  type GlobalOptions,
  print,
} from "./program-options.js";

type Used = "cognito" | "realmAdmin" | "realmAuth" | "env" | "output";

/** `doctor`: read-only; it opens no ledger and writes no file. */
export function doctorCommand(
  services: Pick<Services, "cognito" | "realmAdmin" | "realmAuth">,
  context: CommandContext,
  options: { snapshot?: string; configFile?: string; mode?: "realm-primary" | "cognito-primary" },
): Promise<DoctorReport> {
  return runDoctor({
    config: context.config,
    realm: services,
    ...(context.config.cognito.userPoolId ? { cognito: services.cognito(context.config) } : {}),
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    ...(options.configFile ? { configFile: options.configFile } : {}),
    ...(options.mode ? { mode: options.mode } : {}),
  });
}

export const doctor: CommandModule<Used> = {
  register(program, services) {
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
            services,
            { config: configOf(command, services.env) },
            { ...options, ...(configFile ? { configFile } : {}) },
          );
          print(command, services.output, report, () =>
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
  },
};
