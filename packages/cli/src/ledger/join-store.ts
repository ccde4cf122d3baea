import { join } from "node:path";
import { type Connection, openScratchFile, type Statement } from "./connection.js";

/** One user document of the collection, as the export's join keeps it. */
export interface CollectionDoc {
  readonly realmUserId: string;
  readonly mongoId: string;
  /** Extra fields as JSON, or null. */
  readonly extra: string | null;
  /** Source position as JSON, or null. */
  readonly at: string | null;
}

/**
 * The user collection indexed by Realm user id in a scratch SQLite file, so the export's join costs
 * disk, not memory; remembers which documents a user claimed.
 */
export class JoinStore {
  readonly #db: Connection;
  private readonly add: (docs: readonly CollectionDoc[]) => void;
  private readonly lookup: Statement<[string], { mongo_id: string; extra: string | null }>;
  private readonly mark: Statement<[string]>;

  /** Creates the store in `dir` (a private temporary folder the caller removes). */
  constructor(dir: string) {
    this.#db = openScratchFile(join(dir, "join.db"));
    this.#db.exec(
      "CREATE TABLE docs (realm_user_id TEXT PRIMARY KEY, mongo_id TEXT NOT NULL, extra TEXT, at TEXT, matched INTEGER NOT NULL DEFAULT 0)",
    );
    const insert = this.#db.prepare(
      "INSERT OR IGNORE INTO docs (realm_user_id, mongo_id, extra, at) VALUES (?, ?, ?, ?)",
    );
    this.add = this.#db.transaction((docs: readonly CollectionDoc[]) => {
      for (const doc of docs) insert.run(doc.realmUserId, doc.mongoId, doc.extra, doc.at);
    });
    this.lookup = this.#db.prepare("SELECT mongo_id, extra FROM docs WHERE realm_user_id = ?");
    this.mark = this.#db.prepare("UPDATE docs SET matched = 1 WHERE realm_user_id = ?");
  }

  /** Adds documents (the first one of a Realm user id wins), one transaction per call. */
  addDocs(docs: readonly CollectionDoc[]): void {
    this.add(docs);
  }

  /** The document of a Realm user, marked as claimed; undefined when there is none. */
  claim(realmUserId: string): { mongoId: string; extra: string | null } | undefined {
    const doc = this.lookup.get(realmUserId);
    if (doc === undefined) return undefined;
    this.mark.run(realmUserId);
    return { mongoId: doc.mongo_id, extra: doc.extra };
  }

  /** Documents no user claimed, by `_id`. */
  unclaimed(): IterableIterator<{ realmUserId: string; mongoId: string; at: string | null }> {
    const rows = this.#db
      .prepare<[], { realm_user_id: string; mongo_id: string; at: string | null }>(
        "SELECT realm_user_id, mongo_id, at FROM docs WHERE matched = 0 ORDER BY mongo_id",
      )
      .iterate();
    return (function* () {
      for (const row of rows) yield { realmUserId: row.realm_user_id, mongoId: row.mongo_id, at: row.at };
    })();
  }

  close(): void {
    this.#db.close();
  }
}
