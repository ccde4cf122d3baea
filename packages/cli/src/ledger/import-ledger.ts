import type { SnapshotLine } from "@realm-to-cognito/core";
import { type Clock, systemClock } from "../clock.js";
import { CliError } from "../errors.js";
import type { MatchSource, PoolMatch } from "../pool-match.js";
import {
  attachConnection,
  type Connection,
  openLedgerFile,
  type Statement,
  StatementCache,
} from "./connection.js";
import { LEDGER_MIGRATIONS, migrateLedger, schemaVersionOf } from "./migrations.js";
import { PoolListing } from "./pool-listing.js";
import {
  type HistoryEntry,
  type ImportEngine,
  type ImportJobRow,
  LEDGER_STATES,
  type LedgerState,
  type LedgerUser,
  type MatchedUser,
  type MatchedUserRow,
  type PlannedUser,
  type PoolUser,
  toLedgerUser,
  type UserRow,
  type UserWithPoolMatch,
} from "./rows.js";

const FINAL_STATES: ReadonlySet<LedgerState> = new Set(["created", "already-present"]);

/**
 * The import ledger: one row per source user, an append-only history, the last pool listing and the
 * import jobs. Every change is one transaction, so a killed run leaves it consistent and a re-run
 * resumes from it.
 * @example
 * const ledger = ImportLedger.open("migration.ledger.db");
 * ledger.transition(key, "created", { event: "AdminCreateUser" });
 */
export class ImportLedger {
  readonly #db: Connection;
  private readonly clock: Clock;
  private readonly statements: StatementCache;
  private readonly pool: PoolListing;

  private constructor(db: Connection, clock: Clock) {
    this.#db = db;
    this.clock = clock;
    this.statements = new StatementCache(db);
    this.pool = new PoolListing(db, this.statements, () => this.stamp());
    attachConnection(this, db);
  }

  private statement<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    return this.statements.get<P, R>(sql);
  }

  /**
   * Opens (or creates) the ledger file and brings its schema up to date in place (`migrations` is for
   * tests that write an older or newer file).
   */
  static open(file: string, options: { clock?: Clock; migrations?: readonly string[] } = {}): ImportLedger {
    const db = openLedgerFile(file);
    const ledger = new ImportLedger(db, options.clock ?? systemClock);
    try {
      migrateLedger(db, options.migrations ?? LEDGER_MIGRATIONS, () => ledger.stamp());
    } catch (error) {
      db.close();
      throw error;
    }
    return ledger;
  }

  schemaVersion(): number {
    return schemaVersionOf(this.#db);
  }

  close(): void {
    this.#db.close();
  }

  private stamp(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /**
   * Records a plan. Rows already `created` or `already-present` keep their state (a re-plan never undoes
   * work); every other row takes the new classification. Returns how many rows changed state.
   */
  recordPlan(users: Iterable<PlannedUser>): number {
    const at = this.stamp();
    const select = this.#db.prepare<
      [string],
      { state: LedgerState; reason: string | null; attempts: number; csv_file: string | null }
    >("SELECT state, reason, attempts, csv_file FROM users WHERE key = ?");
    const insert = this.#db.prepare(
      `INSERT INTO users (key, realm_user_id, email, email_key, mongo_id, state, reason, cognito_username, user_json, created_at, updated_at)
       VALUES (@key, @realmUserId, @email, @emailKey, @mongoId, @state, @reason, @cognitoUsername, @userJson, @at, @at)`,
    );
    const update = this.#db.prepare(
      `UPDATE users SET realm_user_id = @realmUserId, email = @email, email_key = @emailKey, mongo_id = @mongoId,
         state = @state, reason = @reason, cognito_username = COALESCE(@cognitoUsername, cognito_username),
         user_json = @userJson, updated_at = @at WHERE key = @key`,
    );
    const history = this.historyStatement();
    let changed = 0;
    const batch = this.#db.transaction((items: PlannedUser[]) => {
      for (const item of items) {
        const row: { state: LedgerState; reason: string | null } & Record<string, unknown> = {
          key: item.key,
          realmUserId: item.user.realmUserId ?? null,
          email: item.user.email,
          emailKey: item.emailKey,
          mongoId: item.user.mongoId ?? null,
          state: item.state,
          reason: item.reason ?? null,
          cognitoUsername: item.cognitoUsername ?? null,
          userJson: JSON.stringify(item.user),
          at,
        };
        const existing = select.get(item.key);
        if (existing === undefined) {
          insert.run(row);
          history.run(item.key, at, null, item.state, "plan", item.reason ?? null);
          changed++;
        } else if (!FINAL_STATES.has(existing.state)) {
          // Present in the pool after our own attempt or import job: we created it, phase 1 did not.
          if (item.state === "already-present" && (existing.attempts > 0 || existing.csv_file !== null)) {
            row.state = "created";
            row.reason = null;
          }
          update.run(row);
          if (existing.state !== row.state || existing.reason !== row.reason) {
            history.run(item.key, at, existing.state, row.state, "plan", row.reason);
            changed++;
          }
        }
      }
    });
    let buffer: PlannedUser[] = [];
    for (const item of users) {
      buffer.push(item);
      if (buffer.length >= 5_000) {
        batch(buffer);
        buffer = [];
      }
    }
    if (buffer.length) batch(buffer);
    return changed;
  }

  private historyStatement() {
    return this.statement(
      "INSERT INTO history (user_key, at, from_state, to_state, event, detail) VALUES (?, ?, ?, ?, ?, ?)",
    );
  }

  /** Counts an attempt before a call that may create the user, so a re-run knows one may have happened. */
  recordAttempt(key: string, engine: ImportEngine): void {
    const at = this.stamp();
    this.#db.transaction(() => {
      const row = this.getRow(key);
      if (row === undefined) throw new CliError("LEDGER", `no ledger row for ${key}`);
      this.statement(
        "UPDATE users SET attempts = attempts + 1, engine = ?, first_attempt_at = COALESCE(first_attempt_at, ?), updated_at = ? WHERE key = ?",
      ).run(engine, at, at, key);
      this.historyStatement().run(key, at, row.state, row.state, "attempt", engine);
    })();
  }

  /**
   * Claims users for an engine, one transaction for the batch: each gets its attempt counted before
   * any call is made for it. `state` is the row's state as read (it is not read again).
   */
  recordAttempts(rows: ReadonlyArray<{ key: string; state: LedgerState }>, engine: ImportEngine): void {
    if (rows.length === 0) return;
    const at = this.stamp();
    const update = this.statement(
      "UPDATE users SET attempts = attempts + 1, engine = ?, first_attempt_at = COALESCE(first_attempt_at, ?), updated_at = ? WHERE key = ?",
    );
    const history = this.historyStatement();
    this.#db.transaction(() => {
      for (const row of rows) {
        update.run(engine, at, at, row.key);
        history.run(row.key, at, row.state, row.state, "attempt", engine);
      }
    })();
  }

  /** Several state changes in one transaction; `from` is the state the caller knows the row is in. */
  recordTransitions(
    changes: ReadonlyArray<{
      key: string;
      from: LedgerState;
      to: LedgerState;
      event: string;
      reason?: string | undefined;
      cognitoUsername?: string | undefined;
      engine?: ImportEngine | undefined;
    }>,
  ): void {
    if (changes.length === 0) return;
    const at = this.stamp();
    const update = this.statement(
      `UPDATE users SET state = ?, reason = ?, cognito_username = COALESCE(?, cognito_username),
         engine = COALESCE(?, engine), updated_at = ? WHERE key = ?`,
    );
    const history = this.historyStatement();
    this.#db.transaction(() => {
      for (const change of changes) {
        update.run(
          change.to,
          change.reason ?? null,
          change.cognitoUsername ?? null,
          change.engine ?? null,
          at,
          change.key,
        );
        history.run(change.key, at, change.from, change.to, change.event, change.reason ?? null);
      }
    })();
  }

  /** Moves a user to a new state, with a history entry, in one transaction. */
  transition(
    key: string,
    to: LedgerState,
    options: { event: string; reason?: string; cognitoUsername?: string; engine?: ImportEngine } = {
      event: "update",
    },
  ): void {
    const at = this.stamp();
    this.#db.transaction(() => {
      const row = this.getRow(key);
      if (row === undefined) throw new CliError("LEDGER", `no ledger row for ${key}`);
      this.statement(
        `UPDATE users SET state = ?, reason = ?, cognito_username = COALESCE(?, cognito_username),
             engine = COALESCE(?, engine), updated_at = ? WHERE key = ?`,
      ).run(to, options.reason ?? null, options.cognitoUsername ?? null, options.engine ?? null, at, key);
      this.historyStatement().run(key, at, row.state, to, options.event, options.reason ?? null);
    })();
  }

  /** Makes failed users plannable again (a CSV file they were in is forgotten). Returns how many. */
  retryFailed(): number {
    const at = this.stamp();
    return this.#db.transaction(() => {
      const keys = this.#db
        .prepare<[], { key: string }>("SELECT key FROM users WHERE state = 'failed'")
        .all();
      const history = this.historyStatement();
      for (const { key } of keys) history.run(key, at, "failed", "planned", "retry", null);
      this.#db
        .prepare(
          "UPDATE users SET state = 'planned', reason = NULL, csv_file = NULL, csv_line = NULL, updated_at = ? WHERE state = 'failed'",
        )
        .run(at);
      return keys.length;
    })();
  }

  /** Assigns users to a CSV file's lines (the line-to-user map of an import job), in one transaction. */
  assignCsvLines(file: string, lines: ReadonlyArray<{ key: string; line: number; username: string }>): void {
    const at = this.stamp();
    const update = this.#db.prepare(
      "UPDATE users SET csv_file = ?, csv_line = ?, cognito_username = ?, engine = 'csv-job', updated_at = ? WHERE key = ?",
    );
    this.#db.transaction(() => {
      for (const { key, line, username } of lines) update.run(file, line, username, at, key);
    })();
  }

  private getRow(key: string): UserRow | undefined {
    return this.statement<[string], UserRow>("SELECT * FROM users WHERE key = ?").get(key);
  }

  get(key: string): LedgerUser | undefined {
    const row = this.getRow(key);
    return row && toLedgerUser(row);
  }

  /**
   * Users in the given states, in the order they were planned, read in pages so writes can happen
   * between pages. Paging walks the table by rowid: one pass over the file however many users there are.
   */
  *users(states?: readonly LedgerState[], pageSize = 2_000): Generator<LedgerUser> {
    // `+state`: stay on the rowid order; with the state index SQLite would sort every match each page.
    const filter = states?.length ? `AND +state IN (${states.map(() => "?").join(",")})` : "";
    const page = this.#db.prepare<unknown[], UserRow & { _rowid: number }>(
      `SELECT rowid AS _rowid, * FROM users WHERE rowid > ? ${filter} ORDER BY rowid LIMIT ?`,
    );
    let after = 0;
    for (;;) {
      const rows = page.all(after, ...(states ?? []), pageSize);
      if (rows.length === 0) return;
      for (const row of rows) yield toLedgerUser(row);
      after = rows[rows.length - 1]!._rowid;
    }
  }

  /** Planned users not yet in a CSV file: only what the CSV writer needs, read lean for speed. */
  *plannedWithoutCsvFile(
    pageSize = 5_000,
  ): Generator<{ key: string; realmUserId: string | undefined; user: SnapshotLine }> {
    const page = this.#db.prepare<
      [number, number],
      { r: number; key: string; realm_user_id: string | null; user_json: string }
    >(
      `SELECT rowid AS r, key, realm_user_id, user_json FROM users
       WHERE rowid > ? AND +state = 'planned' AND csv_file IS NULL ORDER BY rowid LIMIT ?`,
    );
    let after = 0;
    for (;;) {
      const rows = page.all(after, pageSize);
      if (rows.length === 0) return;
      for (const row of rows)
        yield {
          key: row.key,
          realmUserId: row.realm_user_id ?? undefined,
          user: JSON.parse(row.user_json) as SnapshotLine,
        };
      after = rows[rows.length - 1]!.r;
    }
  }

  /** Every CSV file some user is assigned to. */
  csvFiles(): string[] {
    return this.#db
      .prepare<[], { csv_file: string }>(
        "SELECT DISTINCT csv_file FROM users WHERE csv_file IS NOT NULL ORDER BY csv_file",
      )
      .all()
      .map((row) => row.csv_file);
  }

  /** Unassigns every user of a CSV file (one a killed run never finished); returns how many. */
  clearCsvFile(file: string): number {
    return this.#db
      .prepare("UPDATE users SET csv_file = NULL, csv_line = NULL WHERE csv_file = ? AND state = 'planned'")
      .run(file).changes;
  }

  /** Users assigned to one CSV file, by line. */
  usersOfCsvFile(file: string): LedgerUser[] {
    // No index on csv_file: keeping one up to date costs the CSV writer more than this rare scan.
    return this.#db
      .prepare<[string], UserRow>("SELECT * FROM users WHERE csv_file = ? ORDER BY csv_line")
      .all(file)
      .map(toLedgerUser);
  }

  counts(): Record<LedgerState, number> {
    const counts = Object.fromEntries(LEDGER_STATES.map((state) => [state, 0])) as Record<
      LedgerState,
      number
    >;
    const rows = this.#db
      .prepare<[], { state: LedgerState; n: number }>("SELECT state, COUNT(*) AS n FROM users GROUP BY state")
      .all();
    for (const { state, n } of rows) counts[state] = n;
    return counts;
  }

  /** Counts of rows by state and reason, e.g. rejected/pending. */
  reasons(): Array<{ state: LedgerState; reason: string; count: number }> {
    return this.#db
      .prepare<[], { state: LedgerState; reason: string; count: number }>(
        "SELECT state, reason, COUNT(*) AS count FROM users WHERE reason IS NOT NULL GROUP BY state, reason ORDER BY state, reason",
      )
      .all();
  }

  size(): number {
    return (this.#db.prepare("SELECT COUNT(*) AS n FROM users").get() as { n: number }).n;
  }

  history(key: string): HistoryEntry[] {
    return this.#db
      .prepare<
        [string],
        {
          at: string;
          from_state: LedgerState | null;
          to_state: LedgerState;
          event: string;
          detail: string | null;
        }
      >("SELECT at, from_state, to_state, event, detail FROM history WHERE user_key = ? ORDER BY id")
      .all(key)
      .map((row) => ({
        at: row.at,
        fromState: row.from_state ?? undefined,
        toState: row.to_state,
        event: row.event,
        detail: row.detail ?? undefined,
      }));
  }

  /** Replaces the stored pool listing with a fresh one, in batches inside one transaction. */
  replacePoolUsers(poolId: string, users: Iterable<PoolUser>): number {
    return this.pool.replace(poolId, users);
  }

  /** Starts a pool listing that is filled page by page (async sources cannot run inside a transaction). */
  poolWriter(poolId: string): { add(users: readonly PoolUser[]): void; finish(): number } {
    return this.pool.writer(poolId);
  }

  poolUsersByEmailKey(emailKey: string): PoolUser[] {
    return this.pool.byEmailKey(emailKey);
  }

  poolUsersByRealmUserId(realmUserId: string): PoolUser[] {
    return this.pool.byRealmUserId(realmUserId);
  }

  /** The pool user a source user is, by the one matcher over the stored pool listing. */
  poolMatchOf(source: MatchSource): PoolMatch<PoolUser> | undefined {
    return this.pool.matchOf(source);
  }

  poolUsers(): Generator<PoolUser> {
    return this.pool.all();
  }

  poolListing(): { poolId: string; listedAt: string; count: number } | undefined {
    return this.pool.listing();
  }

  /** Users of the stored pool listing, in all and by how they came. */
  poolCounts(): { total: number; withoutRealmUserId: number; withRealmUserIdNotCreatedByImport: number } {
    return this.pool.counts();
  }

  /** Pool users whose realm_user_id no ledger row has: Realm users the snapshot does not know. */
  poolUsersUnknownToLedger(): PoolUser[] {
    return this.pool.unknownToLedger();
  }

  recordImportJob(job: Omit<ImportJobRow, "updatedAt">): void {
    const at = this.stamp();
    this.#db
      .prepare(
        `INSERT INTO import_jobs (job_id, file, status, imported, skipped, failed, message, created_at, updated_at)
         VALUES (@jobId, @file, @status, @imported, @skipped, @failed, @message, @at, @at)
         ON CONFLICT(job_id) DO UPDATE SET status = @status, imported = @imported, skipped = @skipped,
           failed = @failed, message = @message, updated_at = @at`,
      )
      .run({ ...job, message: job.message ?? null, at });
  }

  importJobs(): ImportJobRow[] {
    return this.#db
      .prepare<
        [],
        {
          job_id: string;
          file: string;
          status: string;
          imported: number;
          skipped: number;
          failed: number;
          message: string | null;
          updated_at: string;
        }
      >("SELECT * FROM import_jobs ORDER BY created_at, job_id")
      .all()
      .map((row) => ({
        jobId: row.job_id,
        file: row.file,
        status: row.status,
        imported: row.imported,
        skipped: row.skipped,
        failed: row.failed,
        message: row.message ?? undefined,
        updatedAt: row.updated_at,
      }));
  }

  startRun(command: string): number {
    return Number(
      this.#db.prepare("INSERT INTO runs (command, started_at) VALUES (?, ?)").run(command, this.stamp())
        .lastInsertRowid,
    );
  }

  finishRun(id: number, summary: unknown): void {
    this.#db
      .prepare("UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?")
      .run(this.stamp(), JSON.stringify(summary), id);
  }

  /** True once a `plan` run has finished on this ledger (an import plans first otherwise). */
  hasFinishedPlan(): boolean {
    return (
      this.#db
        .prepare("SELECT 1 FROM runs WHERE command = 'plan' AND finished_at IS NOT NULL LIMIT 1")
        .get() !== undefined
    );
  }

  /** CSV files that still hold planned users: the import jobs left to run. */
  csvFilesWithPlannedUsers(): string[] {
    return this.#db
      .prepare<[], { csv_file: string }>(
        "SELECT DISTINCT csv_file FROM users WHERE csv_file IS NOT NULL AND state = 'planned' ORDER BY csv_file",
      )
      .all()
      .map((row) => row.csv_file);
  }

  /** Pending registrations (keyed `pending:<email>`), whatever their state. */
  pendingCount(): number {
    return this.count("SELECT COUNT(*) AS n FROM users WHERE key LIKE 'pending:%'");
  }

  /**
   * Every user (in the given states) with the time its import finished (its first `created` history
   * entry) and the pool user the one matcher ({@link matchPoolUser}) finds for it, by key. Read a page
   * at a time, the page's pool candidates in two reads, so callers may write between pages.
   */
  *usersWithPoolMatch(states?: readonly LedgerState[]): Generator<UserWithPoolMatch> {
    const filter = states?.length ? `AND u.state IN (${states.map(() => "?").join(",")})` : "";
    // Only what the view and status read, for speed: they walk every user, several times a command.
    const page = this.#db.prepare<unknown[], MatchedUserRow>(
      `SELECT u.key, u.realm_user_id, u.email, u.email_key, u.state, u.reason, u.engine, u.user_json,
         (SELECT MIN(h.at) FROM history h WHERE h.user_key = u.key AND h.to_state = 'created') AS import_finished_at
       FROM users u WHERE u.key > ? ${filter} ORDER BY u.key LIMIT 1000`,
    );
    let after = "";
    for (;;) {
      const rows = page.all(after, ...(states ?? []));
      if (rows.length === 0) return;
      const users = rows.map(
        (row): MatchedUser => ({
          key: row.key,
          realmUserId: row.realm_user_id ?? undefined,
          email: row.email,
          emailKey: row.email_key,
          state: row.state,
          reason: row.reason ?? undefined,
          engine: row.engine ?? undefined,
          user: JSON.parse(row.user_json) as SnapshotLine,
          importFinishedAt: row.import_finished_at ?? undefined,
        }),
      );
      const matches = this.pool.matchesOf(users);
      for (let i = 0; i < users.length; i++) yield { user: users[i]!, match: matches[i] };
      after = rows[rows.length - 1]!.key;
    }
  }

  /** Rejected, conflicting and failed users counted by reason, most frequent first. */
  rejectsByReason(): Array<{ reason: string; count: number }> {
    return this.#db
      .prepare<[], { reason: string; count: number }>(
        `SELECT COALESCE(reason, state) AS reason, COUNT(*) AS count FROM users
         WHERE state IN ('rejected','conflict','failed') GROUP BY 1 ORDER BY count DESC, reason`,
      )
      .all();
  }

  /** The first `limit` failed and conflicting users (conflicts first), and how many there are. */
  problemUsers(limit: number): {
    total: number;
    first: Array<{ key: string; email: string; state: "failed" | "conflict"; reason: string }>;
  } {
    const where = "WHERE state IN ('failed','conflict')";
    return {
      total: this.count(`SELECT COUNT(*) AS n FROM users ${where}`),
      first: this.#db
        .prepare<[number], { key: string; email: string; state: "failed" | "conflict"; reason: string }>(
          `SELECT key, email, state, COALESCE(reason, state) AS reason FROM users ${where}
           ORDER BY state DESC, key LIMIT ?`,
        )
        .all(Math.max(0, Math.floor(limit))),
    };
  }

  /** Tables of the import ledger this file lacks (a file another tool wrote). */
  missingTables(names: readonly string[]): string[] {
    const exists = this.statement<[string]>("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    return names.filter((name) => exists.get(name) === undefined);
  }

  private count(sql: string): number {
    return (this.statement<[], { n: number }>(sql).get() as { n: number }).n;
  }
}
