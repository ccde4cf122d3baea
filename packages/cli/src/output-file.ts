import { chmodSync, closeSync, createWriteStream, openSync, type WriteStream, writeFileSync } from "node:fs";
import { appendFile, chmod } from "node:fs/promises";
import { CliError } from "./errors.js";

/** Files holding emails are readable by their owner only, whatever the umask. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `file` if it is missing (what it holds is kept), readable by its owner only, so that a path
 * the command cannot write is refused with an OUTPUT error before any work, instead of failing a write
 * stream later.
 * @param shownAs the path the operator gave, when `file` is a temporary name beside it
 */
export async function ensureWritable(file: string, shownAs = file): Promise<void> {
  try {
    await appendFile(file, "", { mode: PRIVATE_FILE_MODE });
    await chmod(file, PRIVATE_FILE_MODE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      "OUTPUT",
      `cannot write ${shownAs} (${code ?? (error as Error).message}): give a path in a writable folder`,
      { cause: error },
    );
  }
}

/**
 * A write stream on `file` (created or truncated with "w", appended to with "a") that only its owner can
 * read: a new file is created 0600, an existing one is narrowed to 0600 before anything is written.
 */
export function privateWriteStream(file: string, flags: "w" | "a" = "w"): WriteStream {
  closeSync(openSync(file, flags === "w" ? "a" : flags, PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
  return createWriteStream(file, { flags, mode: PRIVATE_FILE_MODE });
}

/** Writes `file` whole, readable by its owner only (an existing file is narrowed to 0600 first). */
export function writePrivateFile(file: string, data: string | Uint8Array): void {
  closeSync(openSync(file, "a", PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
  writeFileSync(file, data, { mode: PRIVATE_FILE_MODE });
}

/** Makes sure a file that exists (or is about to be created by a library, e.g. SQLite) is 0600. */
export function createPrivateFile(file: string): void {
  closeSync(openSync(file, "a", PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}
