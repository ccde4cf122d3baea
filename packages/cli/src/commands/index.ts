import type { Command } from "commander";
import type { Services } from "../services.js";
import { directory } from "./directory.js";
import { doctor } from "./doctor.js";
import { exportUsers } from "./export.js";
import { forecast } from "./forecast.js";
import { importUsers } from "./import.js";
import { notify } from "./notify.js";
import { plan } from "./plan.js";
import { recordBounces } from "./record-bounces.js";
import { report } from "./report.js";
import { status } from "./status.js";
import { verify } from "./verify.js";

/** The migration's commands, in the order `--help` lists them. */
export const MIGRATION_COMMANDS = [
  doctor,
  exportUsers,
  plan,
  importUsers,
  verify,
  directory,
  status,
] as const;

/** The operator's commands: notify, record-bounces, forecast and report. */
export const OPERATOR_COMMANDS = [notify, recordBounces, forecast, report] as const;

/**
 * Adds `notify`, `record-bounces`, `forecast` and `report` to the program.
 * @example registerOperatorCommands(program, createServices({ env: {} }))
 */
export function registerOperatorCommands(program: Command, services: Services): void {
  for (const command of OPERATOR_COMMANDS) command.register(program, services);
}

/** Adds every command to the program. */
export function registerCommands(program: Command, services: Services): void {
  for (const command of MIGRATION_COMMANDS) command.register(program, services);
  registerOperatorCommands(program, services);
}
