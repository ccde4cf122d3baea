import type { Command } from "commander";
import { SendLedger } from "../ledger/send-ledger.js";
import { forecastPhaseOne } from "../operator/forecast.js";
import { forecastUsersOf } from "../operator/forecast-users.js";
import { ledgerViewOf } from "../operator/ledger-view.js";
import { gatherReport, renderReportHtml } from "../operator/report.js";
import { writePrivateFile } from "../output-file.js";
import { ioOf, ledgerFileOf, optionsOf, positiveInteger, reporting, weekList } from "./operator-options.js";
import type { CommandModule } from "./program-options.js";

type Used = "openLedger" | "clock" | "env" | "output";

interface ReportFlags {
  out: string;
  title: string;
  weeks: number[];
  switchWeek?: number;
  dormantDays: number;
  json?: boolean;
}

export const report: CommandModule<Used> = {
  register(program, services) {
    program
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
        const io = ioOf(services);
        await reporting(io, async () => {
          const ledger = services.openLedger(ledgerFileOf(command, io.env));
          try {
            const view = ledgerViewOf(ledger);
            const sends = new SendLedger(ledger, { clock: services.clock });
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
  },
};
