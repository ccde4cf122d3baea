import type { Command } from "commander";
import { SendLedger } from "../ledger/send-ledger.js";
import { importBounceEvents } from "../operator/bounces.js";
import { ioOf, ledgerFileOf, optionsOf, reporting } from "./operator-options.js";
import type { CommandModule } from "./program-options.js";

type Used = "openLedger" | "clock" | "env" | "output";

export const recordBounces: CommandModule<Used> = {
  register(program, services) {
    program
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
        const io = ioOf(services);
        await reporting(io, async () => {
          const ledger = services.openLedger(ledgerFileOf(command, io.env));
          try {
            const sends = new SendLedger(ledger, { clock: services.clock });
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
  },
};
