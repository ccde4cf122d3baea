import { type Connection, connectionOf, type Statement } from "./connection.js";
import type { ImportLedger } from "./import-ledger.js";

/** One snapshot line as `plan` indexes it: who shares an email, a key or an `_id` with whom. */
export interface PlanLine {
  readonly line: number;
  readonly key: string;
  readonly emailKey: string;
  readonly email: string;
  readonly mongoId: string | null;
  readonly digest: string;
  /** The source position as JSON, or null. */
  readonly at: string | null;
}

export type PlanLineIdentity = Pick<PlanLine, "line" | "key" | "mongoId" | "digest" | "at">;

/**
 * The snapshot's lines in a temporary table of the ledger's connection (on disk, not in memory), for
 * the duplicate and same-email questions `plan` asks of each line. Dropped by {@link close}.
 */
export class PlanScratch {
  readonly #db: Connection;
  private readonly insert: Statement;
  private readonly fill: (rows: readonly PlanLine[]) => void;
  private lookups:
    | {
        byKey: Statement<[string], IdentityRow>;
        byMongoId: Statement<[string], IdentityRow>;
        othersWithEmail: Statement<[string, string], OtherRow>;
      }
    | undefined;

  constructor(ledger: ImportLedger) {
    this.#db = connectionOf(ledger);
    this.#db.exec(
      "DROP TABLE IF EXISTS temp.plan_users; CREATE TEMP TABLE plan_users (line INTEGER PRIMARY KEY, key TEXT, email_key TEXT, email TEXT, mongo_id TEXT, digest TEXT, at TEXT)",
    );
    this.insert = this.#db.prepare(
      "INSERT INTO temp.plan_users (line, key, email_key, email, mongo_id, digest, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.fill = this.#db.transaction((rows: readonly PlanLine[]) => {
      for (const r of rows) this.insert.run(r.line, r.key, r.emailKey, r.email, r.mongoId, r.digest, r.at);
    });
  }

  /** Adds lines, one transaction per call. */
  add(rows: readonly PlanLine[]): void {
    this.fill(rows);
  }

  /** Indexes the lines once all are in; the lookups below work from then on. */
  seal(): void {
    this.#db.exec(
      "CREATE INDEX temp.plan_users_email ON plan_users(email_key); CREATE INDEX temp.plan_users_key ON plan_users(key); CREATE INDEX temp.plan_users_mongo ON plan_users(mongo_id)",
    );
    this.lookups = {
      byKey: this.#db.prepare(
        "SELECT line, key, mongo_id, digest, at FROM temp.plan_users WHERE key = ? ORDER BY line LIMIT 20",
      ),
      byMongoId: this.#db.prepare(
        "SELECT line, key, mongo_id, digest, at FROM temp.plan_users WHERE mongo_id = ? ORDER BY line LIMIT 20",
      ),
      othersWithEmail: this.#db.prepare(
        "SELECT key, email, at, line FROM temp.plan_users WHERE email_key = ? AND key <> ? ORDER BY line",
      ),
    };
  }

  /** Up to 20 lines with this ledger key, in line order. */
  linesOfKey(key: string): PlanLineIdentity[] {
    return this.sealed().byKey.all(key).map(identityOf);
  }

  /** Up to 20 lines with this `_id`, in line order. */
  linesOfMongoId(mongoId: string): PlanLineIdentity[] {
    return this.sealed().byMongoId.all(mongoId).map(identityOf);
  }

  /** Lines of other users with this email key, in line order. */
  othersWithEmail(
    emailKey: string,
    key: string,
  ): Array<{ key: string; email: string; at: string | null; line: number }> {
    return this.sealed().othersWithEmail.all(emailKey, key);
  }

  close(): void {
    this.#db.exec("DROP TABLE IF EXISTS temp.plan_users");
  }

  private sealed() {
    if (this.lookups === undefined) throw new Error("PlanScratch: seal() before the lookups");
    return this.lookups;
  }
}

interface IdentityRow {
  line: number;
  key: string;
  mongo_id: string | null;
  digest: string;
  at: string | null;
}

interface OtherRow {
  key: string;
  email: string;
  at: string | null;
  line: number;
}

function identityOf(row: IdentityRow): PlanLineIdentity {
  return { line: row.line, key: row.key, mongoId: row.mongo_id, digest: row.digest, at: row.at };
}
