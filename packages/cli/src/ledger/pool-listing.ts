import { emailKey } from "@realm-to-cognito/core";
import { type MatchSource, matchPoolUser, type PoolMatch } from "../pool-match.js";
import type { Connection, StatementCache } from "./connection.js";
import { type MatchedUser, type PoolRow, type PoolUser, toPoolUser } from "./rows.js";

/**
 * The copy of the pool the ledger keeps (`pool_users`, `pool_listing`): written by a listing, read by
 * the one matcher ({@link matchPoolUser}) for plan, verify, status, the operator's views and the engines.
 */
export class PoolListing {
  readonly #db: Connection;

  constructor(
    db: Connection,
    private readonly statements: StatementCache,
    private readonly stamp: () => string,
  ) {
    this.#db = db;
  }

  /** Replaces the stored pool listing with a fresh one, in batches inside one transaction. */
  replace(poolId: string, users: Iterable<PoolUser>): number {
    return this.#db.transaction(() => {
      const writer = this.writer(poolId);
      let page: PoolUser[] = [];
      for (const user of users) {
        page.push(user);
        if (page.length >= 1_000) {
          writer.add(page);
          page = [];
        }
      }
      writer.add(page);
      return writer.finish();
    })();
  }

  /** Starts a pool listing that is filled page by page (async sources cannot run inside a transaction). */
  writer(poolId: string): { add(users: readonly PoolUser[]): void; finish(): number } {
    const insert = this.#db.prepare(
      `INSERT OR REPLACE INTO pool_users (username, email, email_key, realm_user_id, status, enabled, created_at, last_modified_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#db.exec("DELETE FROM pool_users");
    let count = 0;
    const add = this.#db.transaction((users: readonly PoolUser[]) => {
      for (const user of users) {
        insert.run(
          user.username,
          user.email ?? null,
          user.email?.trim().toLowerCase() ?? null,
          user.realmUserId ?? null,
          user.status ?? null,
          user.enabled ? 1 : 0,
          user.createdAt ?? null,
          user.lastModifiedAt ?? null,
        );
        count++;
      }
    });
    return {
      add,
      finish: () => {
        this.#db
          .prepare("INSERT OR REPLACE INTO pool_listing (id, pool_id, listed_at, count) VALUES (1, ?, ?, ?)")
          .run(poolId, this.stamp(), count);
        return count;
      },
    };
  }

  byEmailKey(emailKey: string): PoolUser[] {
    return this.#db
      .prepare<[string], PoolRow>("SELECT * FROM pool_users WHERE email_key = ?")
      .all(emailKey)
      .map(toPoolUser);
  }

  byRealmUserId(realmUserId: string): PoolUser[] {
    return this.#db
      .prepare<[string], PoolRow>("SELECT * FROM pool_users WHERE realm_user_id = ?")
      .all(realmUserId)
      .map(toPoolUser);
  }

  /** The pool user a source user is, by {@link matchPoolUser} over the stored pool listing. */
  matchOf(source: MatchSource): PoolMatch<PoolUser> | undefined {
    const byRealmUserId =
      source.realmUserId === undefined
        ? []
        : this.statements
            .get<[string], PoolRow>("SELECT * FROM pool_users WHERE realm_user_id = ?")
            .all(source.realmUserId)
            .map(toPoolUser);
    // The email is looked up only when the Realm user id found nobody: the common case costs one read.
    const byEmail =
      byRealmUserId.length > 0
        ? []
        : this.statements
            .get<[string], PoolRow>("SELECT * FROM pool_users WHERE email_key = ?")
            .all(emailKey(source.email))
            .map(toPoolUser);
    return matchPoolUser(source, { byRealmUserId, byEmail });
  }

  *all(): Generator<PoolUser> {
    const page = this.#db.prepare<[string], PoolRow>(
      "SELECT * FROM pool_users WHERE username > ? ORDER BY username LIMIT 1000",
    );
    let after = "";
    for (;;) {
      const rows = page.all(after);
      if (rows.length === 0) return;
      for (const row of rows) yield toPoolUser(row);
      after = rows[rows.length - 1]!.username;
    }
  }

  listing(): { poolId: string; listedAt: string; count: number } | undefined {
    const row = this.#db
      .prepare<[], { pool_id: string; listed_at: string; count: number }>(
        "SELECT * FROM pool_listing WHERE id = 1",
      )
      .get();
    return row && { poolId: row.pool_id, listedAt: row.listed_at, count: row.count };
  }

  /** Users of the stored pool listing, in all and by how they came. */
  counts(): { total: number; withoutRealmUserId: number; withRealmUserIdNotCreatedByImport: number } {
    return {
      total: this.count("SELECT COUNT(*) AS n FROM pool_users"),
      withoutRealmUserId: this.count("SELECT COUNT(*) AS n FROM pool_users WHERE realm_user_id IS NULL"),
      withRealmUserIdNotCreatedByImport: this.count(
        `SELECT COUNT(*) AS n FROM pool_users p WHERE p.realm_user_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM users u WHERE u.realm_user_id = p.realm_user_id AND u.state = 'created')`,
      ),
    };
  }

  /** Pool users whose realm_user_id no ledger row has: Realm users the snapshot does not know. */
  unknownToLedger(): PoolUser[] {
    return this.#db
      .prepare<[], PoolRow>(
        `SELECT p.* FROM pool_users p
         WHERE p.realm_user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.realm_user_id = p.realm_user_id)`,
      )
      .all()
      .map(toPoolUser);
  }

  /** The pool user each of a page of users is, in the page's order: two reads for the whole page. */
  matchesOf(users: readonly MatchedUser[]): Array<PoolMatch<PoolUser> | undefined> {
    const byRealmUserIds = this.statements.get<[string], PoolRow & { email_key: string | null }>(
      "SELECT * FROM pool_users WHERE realm_user_id IN (SELECT value FROM json_each(?))",
    );
    const byEmailKeys = this.statements.get<[string], PoolRow & { email_key: string | null }>(
      "SELECT * FROM pool_users WHERE email_key IN (SELECT value FROM json_each(?))",
    );
    const ids = users.flatMap((user) => (user.realmUserId === undefined ? [] : [user.realmUserId]));
    const byId = groupBy(byRealmUserIds.all(JSON.stringify(ids)), (row) => row.realm_user_id);
    // Emails are looked up only for users their Realm user id did not find.
    const emails = users
      .filter((user) => user.realmUserId === undefined || !byId.has(user.realmUserId))
      .map((user) => user.emailKey);
    const byEmail = groupBy(
      emails.length ? byEmailKeys.all(JSON.stringify(emails)) : [],
      (row) => row.email_key,
    );
    return users.map((user) =>
      matchPoolUser(user, {
        byRealmUserId: (user.realmUserId === undefined ? undefined : byId.get(user.realmUserId)) ?? [],
        byEmail: byEmail.get(user.emailKey) ?? [],
      }),
    );
  }

  private count(sql: string): number {
    return (this.statements.get<[], { n: number }>(sql).get() as { n: number }).n;
  }
}

function groupBy<R>(rows: readonly R[], keyOf: (row: R) => string | null): Map<string, PoolUser[]> {
  const groups = new Map<string, PoolUser[]>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === null) continue;
    const group = groups.get(key) ?? [];
    group.push(toPoolUser(row as unknown as PoolRow));
    groups.set(key, group);
  }
  return groups;
}
