import type { Command } from "commander";
import { OperatorError } from "../errors.js";
import { forecastPhaseOne, formatForecast, usersLeftAtSwitch } from "../operator/forecast.js";
import { adminApiUsers, EMPTY_VIEW, forecastUsersOf, knownKeysOf } from "../operator/forecast-users.js";
import { ledgerViewOf } from "../operator/ledger-view.js";
import { writePrivateFile } from "../output-file.js";
import { ioOf, ledgerFileOf, optionsOf, positiveInteger, reporting, weekList } from "./operator-options.js";
import { type CommandModule, configOf } from "./program-options.js";

type Used = "realmAdmin" | "openLedger" | "clock" | "env" | "output";

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

export const forecast: CommandModule<Used> = {
  register(program, services) {
    program
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
        const io = ioOf(services);
        await reporting(io, async () => {
          const asOf = options.asOf ? Date.parse(options.asOf) : io.now().getTime();
          if (Number.isNaN(asOf))
            throw new OperatorError("FORECAST_INPUT", `--as-of "${options.asOf}" is not a date`, {
              exitCode: 2,
            });
          const ledger = services.openLedger(ledgerFileOf(command, io.env));
          try {
            const view = ledger.size() > 0 ? ledgerViewOf(ledger) : EMPTY_VIEW;
            const users = options.adminApi
              ? await adminApiUsers(services.realmAdmin(configOf(command, io.env)), knownKeysOf(view))
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
                io.out(
                  `${left.length} users expected to be left for phase 2 written to ${options.leftFile}\n`,
                );
            }
          } finally {
            ledger.close();
          }
        });
      });
  },
};
