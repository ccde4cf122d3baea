// Runs the operator's commands in a separate process, so a test can SIGKILL it mid-run.
import { Command } from "commander";
import { registerOperatorCommands } from "../../src/operator/index.js";
import { startProgress } from "../../src/progress.js";
import { createServices, processOutput } from "../../src/services.js";

const program = new Command();
registerOperatorCommands(
  program,
  createServices({
    env: {},
    output: { ...processOutput, progress: (options) => startProgress({ ...options, quiet: true }) },
  }),
);
await program.parseAsync(process.argv);
