import { mkdtempSync, rmSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  emailKey,
  formatDirectoryHeader,
  formatDirectoryLine,
  isDirectoryEligible,
  toDirectoryEntry,
} from "@realm-to-cognito/core";
import { DirectoryStore } from "./ledger/directory-store.js";
import { ensureWritable, privateWriteStream } from "./output-file.js";
import { readSnapshot } from "./snapshot-file.js";

export interface DirectoryFileSummary {
  readonly file: string;
  /** Email keys written with their user. */
  readonly users: number;
  /** Email keys two different Realm users share: written as matching nobody. */
  readonly ambiguous: number;
  /** Snapshot users left out: pending, disabled, or without a Realm user id. */
  readonly notEligible: number;
  /** Snapshot lines that could not be read (the export's rejects hold their reasons). */
  readonly badLines: number;
}

/**
 * Writes the trigger's user directory from a snapshot: eligible users only, one line an email key,
 * sorted in UTF-8 byte order (SQLite's BINARY collation) through a temporary database, so memory stays
 * flat whatever the snapshot's size. The file appears whole or not at all (written aside, then renamed).
 */
export async function writeDirectoryFile(snapshot: string, out: string): Promise<DirectoryFileSummary> {
  const partial = `${out}.partial`;
  await ensureWritable(partial, out);
  const dir = mkdtempSync(join(tmpdir(), "r2c-directory-"));
  const store = new DirectoryStore(dir);
  try {
    let rows: Array<[string, string, string]> = [];
    let notEligible = 0;
    let badLines = 0;
    for await (const item of readSnapshot(snapshot)) {
      if (!("user" in item)) badLines++;
      else if (!isDirectoryEligible(item.user)) notEligible++;
      else {
        const { user } = item;
        rows.push([emailKey(user.email), user.realmUserId, JSON.stringify(toDirectoryEntry(user))]);
        if (rows.length >= 5_000) {
          store.addEntries(rows);
          rows = [];
        }
      }
    }
    store.addEntries(rows);
    store.seal();
    const summary = await writeSorted(store, partial, out);
    return { file: out, ...summary, notEligible, badLines };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function writeSorted(
  store: DirectoryStore,
  partial: string,
  out: string,
): Promise<{ users: number; ambiguous: number }> {
  // The first snapshot line of a key wins; a key with two different Realm users matches nobody, as
  // the trigger's own index of a snapshot does.
  const groups = store.groups();
  const totals = store.totals();
  const stream = privateWriteStream(partial);
  let failure: Error | undefined;
  stream.on("error", (error) => {
    failure = error;
  });
  const write = async (text: string) => {
    if (failure) throw failure;
    if (!stream.write(`${text}\n`))
      // One listener of each kind at a time, removed whichever fires: a listener left per wait piles up
      // (MaxListenersExceededWarning after ten drains).
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off("drain", done);
          stream.off("error", done);
          resolve();
        };
        stream.on("drain", done);
        stream.on("error", done);
      });
  };
  await write(formatDirectoryHeader(totals));
  for (const group of groups)
    await write(formatDirectoryLine(group.key, group.users === 1 ? JSON.parse(group.entry) : null));
  await new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  if (failure) throw failure;
  await rename(partial, out);
  return totals;
}
