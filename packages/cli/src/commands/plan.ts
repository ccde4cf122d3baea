import { readFileSync } from "node:fs";
import { formatSourcePosition } from "@realm-to-cognito/core";
import type { Command } from "commander";
import { type PlanSummary, planImport } from "../plan.js";
import { lockLedger } from "../run-lock.js";
import type { Services } from "../services.js";
import { manifestSchema, snapshotPaths } from "../snapshot-file.js";
import { listPoolIntoLedger } from "./pool-listing.js";
import {
  type CommandContext,
  type CommandModule,
  contextOf,
  policyFlags,
  print,
  withPolicyOptions,
} from "./program-options.js";

type Used = "clock" | "cognito" | "openLedger" | "env" | "output";

/** `plan`: lists the pool, classifies the snapshot's users, records the plan in the ledger. */
export async function planCommand(
  services: Pick<Services, "clock" | "cognito" | "openLedger">,
  context: CommandContext,
  options: { snapshot: string; listPool: boolean },
): Promise<
  PlanSummary & {
    poolUsers: number | undefined;
    /** Rows export already rejected (in the rejects file beside the snapshot, each with its source line). */
    exportRejects?: { count: number; file: string };
  }
> {
  const unlock = lockLedger(context.config.ledger, "plan");
  const ledger = services.openLedger(context.config.ledger);
  try {
    const run = ledger.startRun("plan");
    const poolUsers = options.listPool ? await listPoolIntoLedger(services, context, ledger) : undefined;
    const summary = await planImport({ snapshot: options.snapshot, ledger, policy: context.config.policy });
    ledger.finishRun(run, { snapshot: options.snapshot, counts: summary.counts });
    const exportRejects = exportRejectsOf(options.snapshot);
    return { ...summary, poolUsers, ...(exportRejects ? { exportRejects } : {}) };
  } finally {
    ledger.close();
    unlock();
  }
}

function exportRejectsOf(snapshot: string): { count: number; file: string } | undefined {
  const paths = snapshotPaths(snapshot);
  try {
    const manifest = manifestSchema.safeParse(JSON.parse(readFileSync(paths.manifest, "utf8")));
    return manifest.success ? { count: manifest.data.rejects, file: paths.rejects } : undefined;
  } catch {
    return undefined;
  }
}

export const plan: CommandModule<Used> = {
  register(program, services) {
    withPolicyOptions(
      program
        .command("plan")
        .description("compare a snapshot with the pool and record what import would do, with reasons")
        .requiredOption("-s, --snapshot <file>", "snapshot file"),
    )
      .option("--no-list-pool", "use the pool listing stored in the ledger")
      .action(async (options, command: Command) => {
        const context = contextOf(command, services.env, policyFlags(options));
        const summary = await planCommand(services, context, {
          snapshot: options.snapshot,
          listPool: options.listPool,
        });
        print(command, services.output, summary, () =>
          [
            `plan for ${summary.snapshotLines} snapshot lines${summary.poolUsers === undefined ? "" : ` against ${summary.poolUsers} pool users`}${summary.exportRejects ? ` (and ${summary.exportRejects.count} rows export rejected: ${summary.exportRejects.file})` : ""}:`,
            ...Object.entries(summary.counts).map(([action, n]) => `  ${action.padEnd(16)} ${n}`),
            ...Object.entries(summary.byReason).map(([reason, n]) => `    ${reason}: ${n}`),
            ...summary.items
              .slice(0, 50)
              .map(
                (item) =>
                  `  ${item.at ? formatSourcePosition(item.at) : `line ${item.line}`} ${item.email ?? ""} ${item.action}: ${item.reason ?? ""}`,
              ),
            summary.items.length > 50
              ? `  ... ${summary.items.length - 50 + summary.itemsLeftOut} more (--json lists them)`
              : "",
          ]
            .filter(Boolean)
            .join("\n"),
        );
      });
  },
};
