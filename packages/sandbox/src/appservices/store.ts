import Database from "better-sqlite3";
import { EmulatorConfigError } from "./errors.js";

/** An email/password login (Realm's "local-userpass" identity, and while unconfirmed its pending registration). */
export interface AccountRow {
  readonly id: string;
  readonly email: string;
  readonly password_hash: string;
  readonly confirmed: 0 | 1;
  /** Set when the user object exists (first login, or admin creation). */
  readonly user_id: string | null;
  readonly created_at: number;
}

/** A user object: what the Admin API lists. Dates in seconds since the epoch, as Realm sends them. */
export interface UserRow {
  readonly id: string;
  readonly account_id: string;
  readonly email: string;
  readonly creation_date: number;
  readonly last_authentication_date: number | null;
  readonly disabled: 0 | 1;
}

export interface SessionRow {
  readonly id: string;
  readonly subject: string;
  readonly scope: "client" | "admin";
  readonly device_id: string;
  readonly expires_at: number;
}

export interface TokenRow {
  readonly token_id: string;
  readonly token: string;
  readonly kind: "confirm" | "reset";
  readonly account_id: string;
  readonly expires_at: number;
}

export interface MailRow {
  readonly recipient: string;
  readonly kind: "confirm" | "reset";
  readonly token: string;
  readonly token_id: string;
  readonly url: string;
  readonly at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  confirmed INTEGER NOT NULL,
  user_id TEXT UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS accounts_pending ON accounts(id) WHERE user_id IS NULL;
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  email TEXT NOT NULL,
  creation_date INTEGER NOT NULL,
  last_authentication_date INTEGER,
  disabled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS users_by_status ON users(disabled, id);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,
  device_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_subject ON sessions(subject);
CREATE TABLE IF NOT EXISTS userpass_tokens (
  token_id TEXT PRIMARY KEY,
  token TEXT NOT NULL,
  kind TEXT NOT NULL,
  account_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS userpass_tokens_by_account ON userpass_tokens(account_id);
CREATE TABLE IF NOT EXISTS user_documents (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  collection TEXT NOT NULL,
  user_key TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS user_documents_by_key ON user_documents(collection, user_key, seq);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient TEXT NOT NULL,
  kind TEXT NOT NULL,
  token TEXT NOT NULL,
  token_id TEXT NOT NULL,
  url TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_recipient ON outbox(recipient, seq);
`;

/** Opens (or creates) the store's database; a file that cannot be one is refused untouched. */
function openDatabase(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    if (file !== ":memory:") {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
    }
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db?.close();
    const code = error instanceof Database.SqliteError ? error.code : undefined;
    const problem =
      code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT"
        ? "is not an SQLite database (or is damaged)"
        : `cannot be opened as the emulator's database (${error instanceof Error ? error.message : String(error)})`;
    throw new EmulatorConfigError(
      `storage file ${file} ${problem}: give the emulator a new file, or move this one away to start empty`,
      { cause: error },
    );
  }
}

/** Everything the emulator remembers, in one SQLite database (a file, or `:memory:`). */
export class EmulatorStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = openDatabase(file);
  }

  close(): void {
    this.db.close();
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /** A stored setting, created once with `create` (e.g. the token signing secret, so tokens outlive a restart). */
  meta(key: string, create: () => string): string {
    const row = this.sql("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    if (row) return row.value;
    const value = create();
    this.sql("INSERT INTO meta (key, value) VALUES (?, ?)").run(key, value);
    return value;
  }

  // Accounts (logins and pending registrations)

  accountByEmail(email: string): AccountRow | undefined {
    return this.sql("SELECT * FROM accounts WHERE email = ?").get(email) as AccountRow | undefined;
  }

  accountById(id: string): AccountRow | undefined {
    return this.sql("SELECT * FROM accounts WHERE id = ?").get(id) as AccountRow | undefined;
  }

  /** False when the email or id is taken. */
  insertAccount(row: AccountRow): boolean {
    const result = this.sql(
      `INSERT OR IGNORE INTO accounts (id, email, password_hash, confirmed, user_id, created_at)
       VALUES (@id, @email, @password_hash, @confirmed, @user_id, @created_at)`,
    ).run(row);
    return result.changes === 1;
  }

  deleteAccount(id: string): void {
    this.sql("DELETE FROM accounts WHERE id = ?").run(id);
    this.sql("DELETE FROM userpass_tokens WHERE account_id = ?").run(id);
  }

  confirmAccount(id: string): void {
    this.sql("UPDATE accounts SET confirmed = 1 WHERE id = ?").run(id);
  }

  setPasswordHash(id: string, passwordHash: string): void {
    this.sql("UPDATE accounts SET password_hash = ? WHERE id = ?").run(passwordHash, id);
  }

  linkUser(accountId: string, userId: string): void {
    this.sql("UPDATE accounts SET user_id = ? WHERE id = ?").run(userId, accountId);
  }

  /** Registrations without a user object (unconfirmed, or confirmed and never logged in), ascending `_id`. */
  pendingAccounts(after: string | undefined, limit: number): AccountRow[] {
    return this.sql("SELECT * FROM accounts WHERE user_id IS NULL AND id > ? ORDER BY id LIMIT ?").all(
      after ?? "",
      limit,
    ) as AccountRow[];
  }

  // Users (user objects)

  insertUser(row: UserRow): boolean {
    const result = this.sql(
      `INSERT OR IGNORE INTO users (id, account_id, email, creation_date, last_authentication_date, disabled)
       VALUES (@id, @account_id, @email, @creation_date, @last_authentication_date, @disabled)`,
    ).run(row);
    return result.changes === 1;
  }

  userById(id: string): UserRow | undefined {
    return this.sql("SELECT * FROM users WHERE id = ?").get(id) as UserRow | undefined;
  }

  deleteUser(id: string): void {
    this.sql("DELETE FROM users WHERE id = ?").run(id);
    this.sql("DELETE FROM sessions WHERE subject = ?").run(id);
  }

  setDisabled(id: string, disabled: boolean): void {
    this.sql("UPDATE users SET disabled = ? WHERE id = ?").run(disabled ? 1 : 0, id);
  }

  recordLogin(id: string, atSeconds: number): void {
    this.sql("UPDATE users SET last_authentication_date = ? WHERE id = ?").run(atSeconds, id);
  }

  listUsers(query: { after?: string; disabled?: boolean; descending?: boolean; limit: number }): UserRow[] {
    const order = query.descending ? "DESC" : "ASC";
    const cursor = query.after === undefined ? "" : query.descending ? "AND id < @after" : "AND id > @after";
    const status = query.disabled === undefined ? "" : "AND disabled = @disabled";
    return this.sql(
      `SELECT * FROM users WHERE 1 = 1 ${cursor} ${status} ORDER BY id ${order} LIMIT @limit`,
    ).all({
      after: query.after ?? "",
      disabled: query.disabled ? 1 : 0,
      limit: query.limit,
    }) as UserRow[];
  }

  // Sessions (refresh tokens)

  insertSession(row: SessionRow): void {
    this.sql(
      `INSERT INTO sessions (id, subject, scope, device_id, expires_at)
       VALUES (@id, @subject, @scope, @device_id, @expires_at)`,
    ).run(row);
  }

  sessionById(id: string): SessionRow | undefined {
    return this.sql("SELECT * FROM sessions WHERE id = ?").get(id) as SessionRow | undefined;
  }

  deleteSession(id: string): boolean {
    return this.sql("DELETE FROM sessions WHERE id = ?").run(id).changes === 1;
  }

  deleteSessionsOf(subject: string): void {
    this.sql("DELETE FROM sessions WHERE subject = ?").run(subject);
  }

  // Confirmation and reset tokens

  insertToken(row: TokenRow): void {
    this.sql(
      `INSERT INTO userpass_tokens (token_id, token, kind, account_id, expires_at)
       VALUES (@token_id, @token, @kind, @account_id, @expires_at)`,
    ).run(row);
  }

  tokenById(tokenId: string): TokenRow | undefined {
    return this.sql("SELECT * FROM userpass_tokens WHERE token_id = ?").get(tokenId) as TokenRow | undefined;
  }

  deleteToken(tokenId: string): void {
    this.sql("DELETE FROM userpass_tokens WHERE token_id = ?").run(tokenId);
  }

  // The app's custom-user-data collection

  insertDocument(id: string, collection: string, userKey: string, body: string): void {
    this.sql("INSERT OR IGNORE INTO user_documents (id, collection, user_key, body) VALUES (?, ?, ?, ?)").run(
      id,
      collection,
      userKey,
      body,
    );
  }

  /** The first document inserted for that user, as Realm picks when there are several. */
  documentFor(collection: string, userKey: string): string | undefined {
    const row = this.sql(
      "SELECT body FROM user_documents WHERE collection = ? AND user_key = ? ORDER BY seq LIMIT 1",
    ).get(collection, userKey) as { body: string } | undefined;
    return row?.body;
  }

  *documents(collection: string): Generator<string> {
    const rows = this.sql("SELECT body FROM user_documents WHERE collection = ? ORDER BY seq").iterate(
      collection,
    ) as Iterable<{ body: string }>;
    for (const row of rows) yield row.body;
  }

  // Outbox

  recordMail(row: MailRow): void {
    this.sql(
      `INSERT INTO outbox (recipient, kind, token, token_id, url, at)
       VALUES (@recipient, @kind, @token, @token_id, @url, @at)`,
    ).run(row);
  }

  mails(recipient?: string): MailRow[] {
    if (recipient === undefined) return this.sql("SELECT * FROM outbox ORDER BY seq").all() as MailRow[];
    return this.sql("SELECT * FROM outbox WHERE recipient = ? ORDER BY seq").all(recipient) as MailRow[];
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }
}
