import type { Command } from "commander";
import type { Services } from "../services.js";
import { type VerifyReport, verifyMigration } from "../verify.js";
import { listPoolIntoLedger } from "./pool-listing.js";
import { type CommandContext, type CommandModule, contextOf, print } from "./program-options.js";

type Used = "clock" | "cognito" | "openLedger" | "env" | "output";

/** `verify`: lists the pool and reconciles it with the snapshot and the ledger. */
export async function verifyCommand(
  services: Pick<Services, "clock" | "cognito" | "openLedger">,
  context: CommandContext,
  options: { snapshot: string; listPool: boolean },
): Promise<VerifyReport> {
  const ledger = services.openLedger(context.config.ledger);
  try {
    if (options.listPool) await listPoolIntoLedger(services, context, ledger);
    return await verifyMigration({ snapshot: options.snapshot, ledger });
  } finally {
    ledger.close();
  }
}

export const verify: CommandModule<Used> = {
  register(program, services) {
    program
      .command("verify")
      .description("reconcile snapshot, ledger and pool; list every difference; exit 1 when any")
      .requiredOption("-s, --snapshot <file>", "snapshot file")
      .option("--no-list-pool", "use the pool listing stored in the ledger")
      .action(async (options, command: Command) => {
        const report = await verifyCommand(services, contextOf(command, services.env), {
          snapshot: options.snapshot,
          listPool: options.listPool,
        });
        print(command, services.output, report, () =>
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
  },
};
