import { type Command, InvalidArgumentError } from "commander";
import { OperatorError } from "../errors.js";
import type { Services } from "../services.js";
import { configOf } from "./program-options.js";

export function numberAboveZero(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number above 0");
  return n;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a whole number above 0");
  return n;
}

export function weekList(value: string): number[] {
  const weeks = value.split(",").map((w) => Number(w.trim()));
  if (weeks.some((w) => !Number.isInteger(w) || w <= 0))
    throw new InvalidArgumentError("expected weeks like 4,8,12");
  return weeks;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The operator's commands' view of their services: environment, output and the time as a Date. */
export interface Io {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  now: () => Date;
}

export function ioOf(services: Pick<Services, "env" | "output" | "clock">): Io {
  return {
    env: services.env,
    out: (text) => services.output.stdout(text),
    err: (text) => services.output.stderr(text),
    now: () => new Date(services.clock.now()),
  };
}

// The program may define --ledger and --json itself; commander then hands them to the program, not to
// the subcommand, so options are always read with the globals.
export function optionsOf<T>(command: Command): T {
  return command.optsWithGlobals<T & object>();
}

// Operator errors become a message and an exit code here; anything else is the composition root's.
export async function reporting(io: Io, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof OperatorError) {
      io.err(`realm-to-cognito: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}

/** The ledger file: --ledger, else the configuration's (file, REALM_TO_COGNITO_LEDGER, the default). */
export function ledgerFileOf(command: Command, env: NodeJS.ProcessEnv): string {
  return command.optsWithGlobals<{ ledger?: string }>().ledger ?? configOf(command, env).ledger;
}
