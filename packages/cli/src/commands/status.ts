import type { Command } from "commander";
import type { Services } from "../services.js";
import { formatStatus, migrationStatus, type StatusReport } from "../status.js";
import { listPoolIntoLedger } from "./pool-listing.js";
import { type CommandContext, type CommandModule, contextOf, print } from "./program-options.js";

type Used = "clock" | "cognito" | "openLedger" | "env" | "output";

/** `status`: counts from the ledger and (freshly listed unless told not to) the pool. */
export async function statusCommand(
  services: Pick<Services, "clock" | "cognito" | "openLedger">,
  context: CommandContext,
  options: { listPool: boolean },
): Promise<StatusReport> {
  const ledger = services.openLedger(context.config.ledger);
  try {
    if (options.listPool) await listPoolIntoLedger(services, context, ledger);
    return migrationStatus(ledger);
  } finally {
    ledger.close();
  }
}

export const status: CommandModule<Used> = {
  register(program, services) {
    program
      .command("status")
      .description("counts by state from the ledger and the pool")
      .option("--no-list-pool", "use the pool listing stored in the ledger")
      .action(async (options, command: Command) => {
        const report = await statusCommand(services, contextOf(command, services.env), {
          listPool: options.listPool,
        });
        print(command, services.output, report, () => formatStatus(report));
      });
  },
};
