// npm run demo: the whole migration rehearsed on the sandbox — phase 1 (Realm primary, users migrate on
// sign-in), then phase 2 through the real realm-to-cognito command — with a table of what happened.
import "@realm-to-cognito/sandbox/quiet-sdk";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type DemoRow,
  demoSteps,
  formatDemoTable,
  runDemoSteps,
  type SandboxWorld,
  startSandboxWorld,
} from "@realm-to-cognito/sandbox";
import { driftHealingStep } from "./drift.js";
import { phaseTwoFiles, phaseTwoSteps } from "./phase-two.js";

export const REHEARSAL_SEED = 1;

/** Runs every step, phase 1 then phase 2, against `world`; files of phase 2 go to `directory`. */
export function rehearse(world: SandboxWorld, directory: string): Promise<DemoRow[]> {
  return runDemoSteps(world, [
    ...demoSteps,
    driftHealingStep,
    ...phaseTwoSteps(phaseTwoFiles(directory), REHEARSAL_SEED),
  ]);
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const directory = await mkdtemp(join(tmpdir(), "realm-to-cognito-rehearsal-"));
  process.stdout.write(
    "Starting the sandbox: App Services emulator, cognito-local, the trigger behind a Lambda bridge...\n",
  );
  const world = await startSandboxWorld({ mode: "realm-primary", seedUsers: 60, seed: REHEARSAL_SEED });
  const stop = async () => {
    await world.stop();
    await rm(directory, { recursive: true, force: true });
  };
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping the sandbox...\n`);
    stop().finally(() => process.exit(1));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    process.stdout.write(
      "Rehearsing phase 1 (realm-primary), then phase 2 (export, plan, import, verify)...\n",
    );
    const rows = await rehearse(world, directory);
    process.stdout.write(`\n${formatDemoTable(rows)}\n\n`);
    const failed = rows.filter((row) => !row.ok).length;
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    process.stdout.write(
      failed === 0
        ? `All ${rows.length} steps behaved as expected (${seconds} s).\n`
        : `${failed} of ${rows.length} steps did not behave as expected.\n`,
    );
    return failed === 0 ? 0 : 1;
  } finally {
    await stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`rehearsal failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
