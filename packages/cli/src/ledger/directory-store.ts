import { join } from "node:path";
import { type Connection, openScratchFile } from "./connection.js";

/**
 * The trigger directory's entries in a scratch SQLite file, sorted by email key in UTF-8 byte order
 * (SQLite's BINARY collation), so memory stays flat whatever the snapshot's size.
 */
export class DirectoryStore {
  readonly #db: Connection;
  private readonly add: (rows: ReadonlyArray<readonly [string, string, string]>) => void;

  /** Creates the store in `dir` (a private temporary folder the caller removes). */
  constructor(dir: string) {
    this.#db = openScratchFile(join(dir, "directory.db"));
    this.#db.exec(
      "CREATE TABLE entries (key TEXT NOT NULL, realm_user_id TEXT NOT NULL, entry TEXT NOT NULL)",
    );
    const insert = this.#db.prepare("INSERT INTO entries (key, realm_user_id, entry) VALUES (?, ?, ?)");
    this.add = this.#db.transaction((rows: ReadonlyArray<readonly [string, string, string]>) => {
      for (const row of rows) insert.run(...row);
    });
  }

  /** Adds `[email key, realm user id, entry JSON]` rows, one transaction per call. */
  addEntries(rows: ReadonlyArray<readonly [string, string, string]>): void {
    this.add(rows);
  }

  /** Indexes the keys once all entries are in. */
  seal(): void {
    this.#db.exec("CREATE INDEX entries_by_key ON entries (key)");
  }

  /** Keys held by one Realm user, and keys two different Realm users share. */
  totals(): { users: number; ambiguous: number } {
    const counts = this.#db
      .prepare<[], { users: number | null; ambiguous: number | null }>(
        "SELECT SUM(n = 1) AS users, SUM(n > 1) AS ambiguous FROM (SELECT COUNT(DISTINCT realm_user_id) AS n FROM entries GROUP BY key)",
      )
      .get();
    return { users: counts?.users ?? 0, ambiguous: counts?.ambiguous ?? 0 };
  }

  /**
   * Each key in byte order with how many Realm users hold it and its first entry (MIN(rowid) picks the
   * bare columns: the first snapshot line of a key wins).
   */
  groups(): IterableIterator<{ key: string; users: number; entry: string }> {
    return this.#db
      .prepare<[], { key: string; users: number; entry: string }>(
        "SELECT key, COUNT(DISTINCT realm_user_id) AS users, entry, MIN(rowid) FROM entries GROUP BY key ORDER BY key",
      )
      .iterate();
  }

  close(): void {
    this.#db.close();
  }
}
