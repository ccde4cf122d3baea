import { appendFile } from "node:fs/promises";
import { CliError } from "./errors.js";

/**
 * Creates `file` if it is missing (what it holds is kept), so that a path the command cannot write is
 * refused with an OUTPUT error before any work, instead of failing a write stream later.
 * @param shownAs the path the operator gave, when `file` is a temporary name beside it
 */
export async function ensureWritable(file: string, shownAs = file): Promise<void> {
  await appendFile(file, "").catch((error: NodeJS.ErrnoException) => {
    throw new CliError(
      "OUTPUT",
      `cannot write ${shownAs} (${error.code ?? error.message}): give a path in a writable folder`,
      { cause: error },
    );
  });
}
