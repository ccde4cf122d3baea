import { chmodSync, existsSync } from "node:fs";
import Database from "better-sqlite3";
import { CliError } from "../errors.js";
import { createPrivateFile, PRIVATE_FILE_MODE } from "../output-file.js";

/** The better-sqlite3 handle; only modules of `src/ledger/` ever hold one. */
export type Connection = Database.Database;
export type Statement<P extends unknown[] = unknown[], R = unknown> = Database.Statement<P, R>;

/**
 * Opens the ledger file with its companions private and WAL journaling, so a killed run leaves it
 * consistent and a second process (status, report) reads while the first writes.
 */
export function openLedgerFile(file: string): Connection {
  let db: Connection;
  try {
    // SQLite creates the file 0644 and its -wal and -shm files like it: create it 0600 first, and
    // narrow the -wal and -shm files an older version left readable.
    if (file !== ":memory:" && file !== "") {
      createPrivateFile(file);
      for (const companion of [`${file}-wal`, `${file}-shm`])
        if (existsSync(companion)) chmodSync(companion, PRIVATE_FILE_MODE);
    }
    db = new Database(file);
  } catch (error) {
    throw new CliError("LEDGER", `cannot open the ledger ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  return db;
}

/** A throwaway database in a scratch file: no journal, no fsync (it is deleted after one command). */
export function openScratchFile(file: string): Connection {
  const db = new Database(file);
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  return db;
}

// The handle of each open ledger, reachable from the modules of this folder and nowhere else.
const connections = new WeakMap<object, Connection>();

export function attachConnection(owner: object, db: Connection): void {
  connections.set(owner, db);
}

export function connectionOf(owner: object): Connection {
  const db = connections.get(owner);
  if (db === undefined) throw new CliError("LEDGER", "the ledger is not open");
  return db;
}

/** Prepares each SQL text once: preparing costs more than running on the import's hot path. */
export class StatementCache {
  readonly #db: Connection;
  private readonly prepared = new Map<string, Statement>();

  constructor(db: Connection) {
    this.#db = db;
  }

  get<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    let statement = this.prepared.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.prepared.set(sql, statement);
    }
    return statement as unknown as Statement<P, R>;
  }
}
