// Runs the operator's commands in a separate process, so a test can SIGKILL it mid-run.
import { Command } from "commander";
import { registerOperatorCommands } from "../../src/operator/index.js";

const program = new Command();
registerOperatorCommands(program, { quiet: true, env: {} });
await program.parseAsync(process.argv);
