import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  type AttributeMapping,
  fromAttributeList,
  REALM_USER_ID_ATTRIBUTE,
  toAttributeList,
  toCognitoAttributes,
} from "@realm-to-cognito/core";
import { type Clock, systemClock } from "../clock.js";
import type { CognitoSender } from "../cognito/client.js";
import { MIGRATION_STATE_ATTRIBUTE, MIGRATION_STATE_IMPORTED } from "../cognito/import-settings.js";
import type { ImportEngine, ImportLedger, LedgerState, LedgerUser } from "../ledger/index.js";
import { matchPoolUser } from "../pool-match.js";
import { awsErrorName, forEachBounded, isThrottle, type TokenBucket, withRetries } from "../rate.js";
import { importableUser } from "./importable-user.js";
import { unknowablePassword } from "./random-password.js";

export interface AdminCreateOptions {
  readonly client: CognitoSender;
  readonly ledger: ImportLedger;
  readonly userPoolId: string;
  /** Username for AdminCreateUser: the email (email-as-username pools) or the Realm user id. */
  readonly username: "email" | "realm-user-id";
  readonly mapping?: AttributeMapping;
  /** Import pending registrations with a verified email (see `importableUser`). */
  readonly trustPendingEmails?: boolean;
  /** Mark each created user `custom:migration_state=imported` (when the pool declares the attribute). */
  readonly markImported?: boolean;
  /** Paces AdminCreateUser (UserCreation quota). */
  readonly createBucket: TokenBucket;
  /** Paces AdminSetUserPassword and AdminGetUser. */
  readonly setPasswordBucket: TokenBucket;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly dryRun?: boolean;
  /** Stop after this many users (for tests and partial runs). */
  readonly limit?: number;
  readonly onProgress?: (event: ImportEvent) => void;
  /** Times the run (`seconds`); default the system clock. */
  readonly clock?: Clock;
}

export type ImportOutcome = "created" | "already-present" | "conflict" | "failed" | "would-create";
export interface ImportEvent {
  readonly key: string;
  readonly outcome: ImportOutcome;
}

export interface ImportSummary {
  readonly engine: "admin-create";
  readonly dryRun: boolean;
  readonly outcomes: Record<ImportOutcome, number>;
  readonly retries: number;
  readonly seconds: number;
}

// Users whose account Cognito may have created before a previous run was killed are recognised by
// this: created no earlier than our first attempt (minus clock skew between us and AWS).
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The AdminCreateUser engine. For each planned (or failed) user of the ledger: AdminCreateUser with
 * MessageAction SUPPRESS and the mapped attributes, then AdminSetUserPassword with a permanent password
 * nobody knows. The user ends CONFIRMED with a verified email: sign-in fails, ForgotPassword works.
 * Each attempt is recorded before the call, so after a kill the re-run recognises its own users
 * (UsernameExistsException + same realm_user_id) and nothing is created twice.
 */
export async function importWithAdminCreate(options: AdminCreateOptions): Promise<ImportSummary> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const outcomes: Record<ImportOutcome, number> = {
    created: 0,
    "already-present": 0,
    conflict: 0,
    failed: 0,
    "would-create": 0,
  };
  let retries = 0;
  const report = (key: string, outcome: ImportOutcome): void => {
    outcomes[outcome]++;
    options.onProgress?.({ key, outcome });
  };
  const retrying = <T>(bucket: TokenBucket, call: () => Promise<T>): Promise<T> =>
    withRetries(
      async () => {
        await bucket.take();
        return call();
      },
      {
        maxAttempts: options.maxAttempts,
        onRetry: (error) => {
          retries++;
          if (isThrottle(error)) bucket.penalize(250);
        },
      },
    );

  const rows = limited(options.ledger.users(["planned", "failed"]), options.limit);
  if (options.dryRun) {
    for (const row of rows) report(row.key, "would-create");
    return {
      engine: "admin-create",
      dryRun: true,
      outcomes,
      retries,
      seconds: (clock.now() - started) / 1000,
    };
  }

  const writes = new ImportWrites(options.ledger);
  try {
    await forEachBounded(writes.claim(rows, claimBatchSize(options)), options.concurrency, async (row) => {
      const outcome = await importOne(row, options, writes, retrying);
      report(row.key, outcome);
    });
  } finally {
    writes.close();
  }
  return {
    engine: "admin-create",
    dryRun: false,
    outcomes,
    retries,
    seconds: (clock.now() - started) / 1000,
  };
}

async function importOne(
  row: LedgerUser,
  options: AdminCreateOptions,
  writes: ImportWrites,
  retrying: <T>(bucket: TokenBucket, call: () => Promise<T>) => Promise<T>,
): Promise<ImportOutcome> {
  const { client, userPoolId } = options;
  const hadEarlierAttempt = row.attempts > 0;
  const firstAttemptAt = row.firstAttemptAt;
  const username = options.username === "email" ? row.user.email : (row.realmUserId ?? row.user.email);
  const user = importableUser(row.user, options.trustPendingEmails ?? false);
  const attributes = toAttributeList({
    ...toCognitoAttributes(user, options.mapping),
    ...(options.markImported ? { [MIGRATION_STATE_ATTRIBUTE]: MIGRATION_STATE_IMPORTED } : {}),
  });
  let cognitoUsername: string;
  try {
    const created = await retrying(options.createBucket, () =>
      client.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: username,
          UserAttributes: attributes,
          MessageAction: "SUPPRESS",
        }),
      ),
    );
    cognitoUsername = created.User?.Username ?? username;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "AliasExistsException" && username !== row.user.email) {
      // Created under the Realm user id, but another user already holds the email as an alias.
      writes.result(row, "conflict", {
        event: "AdminCreateUser",
        reason: "email is already an alias of another Cognito user",
      });
      return "conflict";
    }
    if (name !== "UsernameExistsException" && name !== "AliasExistsException")
      return fail(row, writes, error);
    let existing: Awaited<ReturnType<typeof describeExisting>>;
    try {
      existing = await describeExisting(client, userPoolId, username, retrying, options.setPasswordBucket);
    } catch (lookupError) {
      return fail(row, writes, lookupError, "AdminGetUser");
    }
    // The user holding the name is this one only if the one matcher says so, by its own Realm id.
    const holder = { username: existing.username, email: existing.email, realmUserId: existing.realmUserId };
    const match = matchPoolUser(row, { byRealmUserId: [holder], byEmail: [holder] });
    if (!match?.sameRealmUser) {
      writes.result(row, "conflict", {
        event: "AdminCreateUser",
        reason: `email in Cognito with another realm_user_id (${existing.realmUserId ?? "none"}, user ${existing.username})`,
      });
      return "conflict";
    }
    const ours =
      existing.status === "FORCE_CHANGE_PASSWORD" ||
      (hadEarlierAttempt &&
        firstAttemptAt !== undefined &&
        existing.createdAt !== undefined &&
        existing.createdAt.getTime() >= Date.parse(firstAttemptAt) - CLOCK_SKEW_MS);
    if (!ours) {
      writes.result(row, "already-present", {
        event: "AdminCreateUser",
        reason: "migrated in phase 1",
        cognitoUsername: existing.username,
      });
      return "already-present";
    }
    cognitoUsername = existing.username;
    if (existing.status !== "FORCE_CHANGE_PASSWORD") {
      writes.result(row, "created", {
        event: "recovered after restart",
        cognitoUsername,
        engine: "admin-create",
      });
      return "created";
    }
  }
  try {
    await retrying(options.setPasswordBucket, () =>
      client.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: userPoolId,
          Username: cognitoUsername,
          Password: unknowablePassword(),
          Permanent: true,
        }),
      ),
    );
  } catch (error) {
    return fail(row, writes, error, "AdminSetUserPassword");
  }
  writes.result(row, "created", {
    event: "AdminCreateUser",
    cognitoUsername,
    engine: "admin-create",
  });
  return "created";
}

async function describeExisting(
  client: CognitoSender,
  userPoolId: string,
  username: string,
  retrying: <T>(bucket: TokenBucket, call: () => Promise<T>) => Promise<T>,
  bucket: TokenBucket,
): Promise<{
  username: string;
  email: string | undefined;
  realmUserId: string | undefined;
  status: string | undefined;
  createdAt: Date | undefined;
}> {
  const user = await retrying(bucket, () =>
    client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username })),
  );
  const attributes = fromAttributeList(user.UserAttributes);
  return {
    username: user.Username ?? username,
    email: attributes.email,
    realmUserId: attributes[REALM_USER_ID_ATTRIBUTE],
    status: user.UserStatus,
    createdAt: user.UserCreateDate,
  };
}

function fail(
  row: LedgerUser,
  writes: ImportWrites,
  error: unknown,
  operation = "AdminCreateUser",
): "failed" {
  const message = error instanceof Error ? error.message : String(error);
  writes.result(row, "failed", {
    event: operation,
    reason: `${awsErrorName(error)}: ${message}`.slice(0, 500),
  });
  return "failed";
}

// Claims cover about a quarter second of work: few transactions at 2,000/s, and at 40/s no user is
// claimed long before its call.
function claimBatchSize(options: AdminCreateOptions): number {
  return Math.max(options.concurrency, Math.min(256, Math.ceil(options.createBucket.rate / 4)));
}

/**
 * The engine's ledger writes, in few transactions. Users are claimed a batch at a time: their attempts
 * are committed before any call for them is made. Results are committed every 256 users or 200 ms. A
 * kill can lose results not yet committed, never an attempt: the re-run finds those users in Cognito
 * (UsernameExistsException, same realm_user_id, created after the first attempt) and records them
 * as created then.
 */
class ImportWrites {
  private pending: Parameters<ImportLedger["recordTransitions"]>[0][number][] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly ledger: ImportLedger) {
    this.timer = setInterval(() => this.flush(), 200);
    this.timer.unref();
  }

  *claim(rows: Iterable<LedgerUser>, batchSize: number): Generator<LedgerUser> {
    let batch: LedgerUser[] = [];
    for (const row of rows) {
      batch.push(row);
      if (batch.length >= batchSize) {
        this.ledger.recordAttempts(batch, "admin-create");
        yield* batch;
        batch = [];
      }
    }
    this.ledger.recordAttempts(batch, "admin-create");
    yield* batch;
  }

  result(
    row: LedgerUser,
    to: LedgerState,
    options: { event: string; reason?: string; cognitoUsername?: string; engine?: ImportEngine },
  ): void {
    this.pending.push({ key: row.key, from: row.state, to, ...options });
    if (this.pending.length >= 256) this.flush();
  }

  flush(): void {
    const changes = this.pending;
    this.pending = [];
    this.ledger.recordTransitions(changes);
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

function* limited<T>(items: Iterable<T>, limit: number | undefined): Generator<T> {
  if (limit === undefined) {
    yield* items;
    return;
  }
  let count = 0;
  for (const item of items) {
    if (count++ >= limit) return;
    yield item;
  }
}
