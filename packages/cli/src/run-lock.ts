import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { CliError } from "./errors.js";

/**
 * One writer at a time per ledger: a lock file beside it holding the owner's pid. A lock left by a
 * process that no longer runs (killed) is taken over; a live owner makes the second run stop with a
 * message instead of racing it.
 */
export function lockLedger(ledgerFile: string, command: string): () => void {
  const file = `${ledgerFile}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, command, at: new Date().toISOString() }));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(file);
      if (owner !== undefined && isAlive(owner.pid))
        throw new CliError(
          "LEDGER",
          `another ${owner.command} (pid ${owner.pid}) is using ${ledgerFile} since ${owner.at}: wait for it or stop it`,
        );
      rmSync(file, { force: true }); // stale: its owner died
    }
  }
  throw new CliError("LEDGER", `cannot lock ${ledgerFile}`);
}

function readOwner(file: string): { pid: number; command: string; at: string } | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, "utf8")) as {
      pid?: unknown;
      command?: unknown;
      at?: unknown;
    };
    return typeof owner.pid === "number"
      ? { pid: owner.pid, command: String(owner.command ?? "run"), at: String(owner.at ?? "?") }
      : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  return pid === process.pid || processAlive(pid);
}

/** Is a process with this id alive on this machine? Signal 0 only checks; EPERM means it runs as another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
