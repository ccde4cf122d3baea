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
import Database from "better-sqlite3";
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
  const db = new Database(join(dir, "directory.db"));
  try {
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    db.exec("CREATE TABLE entries (key TEXT NOT NULL, realm_user_id TEXT NOT NULL, entry TEXT NOT NULL)");
    const insert = db.prepare("INSERT INTO entries (key, realm_user_id, entry) VALUES (?, ?, ?)");
    const flush = db.transaction((rows: Array<[string, string, string]>) => {
      for (const row of rows) insert.run(...row);
    });
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
          flush(rows);
          rows = [];
        }
      }
    }
    flush(rows);
    db.exec("CREATE INDEX entries_by_key ON entries (key)");
    const summary = await writeSorted(db, partial, out);
    return { file: out, ...summary, notEligible, badLines };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function writeSorted(
  db: Database.Database,
  partial: string,
  out: string,
): Promise<{ users: number; ambiguous: number }> {
  // The first snapshot line of a key wins (MIN(rowid) picks the bare columns); a key with two
  // different Realm users matches nobody, as the trigger's own index of a snapshot does.
  const groups = db
    .prepare<[], { key: string; users: number; entry: string }>(
      "SELECT key, COUNT(DISTINCT realm_user_id) AS users, entry, MIN(rowid) FROM entries GROUP BY key ORDER BY key",
    )
    .iterate();
  const counts = db
    .prepare<[], { users: number; ambiguous: number }>(
      "SELECT SUM(n = 1) AS users, SUM(n > 1) AS ambiguous FROM (SELECT COUNT(DISTINCT realm_user_id) AS n FROM entries GROUP BY key)",
    )
    .get() ?? { users: 0, ambiguous: 0 };
  const totals = { users: counts.users ?? 0, ambiguous: counts.ambiguous ?? 0 };
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
