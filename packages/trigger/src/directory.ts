import { emailKey, isDirectoryEligible, type SnapshotLine, type SourceUser } from "@realm-to-cognito/core";
import { type AdminClient, emailOf } from "@realm-to-cognito/realm";
import * as z from "zod/mini";
import { isDirectoryFile, SortedDirectoryFile } from "./directory-file.js";
import { MigrationRefusedError } from "./errors.js";
import { lazy, lazyUntilRejected } from "./lazy.js";

/** Where the ForgotPassword path finds a user who has no password to prove who they are. */
export interface UserDirectory {
  /** The user with this email (case-insensitive), or undefined; throws MigrationRefusedError when unreachable. */
  findByEmail(email: string, signal?: AbortSignal): Promise<SourceUser | undefined>;
}

/**
 * Indexes users by email key. An eligible user wins over ineligible records of the same email (a
 * snapshot may hold a user from several sources); two different eligible users under one key are
 * ambiguous and match nobody.
 */
function indexByEmail(users: Iterable<SourceUser>): Map<string, SourceUser | null> {
  const index = new Map<string, SourceUser | null>();
  for (const user of users) {
    const key = emailKey(user.email);
    const known = index.get(key);
    if (known === undefined || (known !== null && !isDirectoryEligible(known))) index.set(key, user);
    else if (known !== null && isDirectoryEligible(user) && known.realmUserId !== user.realmUserId)
      index.set(key, null);
  }
  return index;
}

/**
 * The Realm Admin API as a directory. It has no email filter, so the directory pages through every
 * user once and keeps an index for `cacheMs` (per warm container). Confirmed users who never logged in
 * are only in Realm's pending list, which does not say they are confirmed: they are not found here
 * (use a snapshot for them).
 */
export class AdminApiDirectory implements UserDirectory {
  private index: { built: number; users: Promise<Map<string, SourceUser | null>> } | undefined;

  /**
   * @param admin the client, or a function that makes it at first use (e.g. once its key has been read
   *   from Secrets Manager); a failed attempt is not kept, the next call tries again.
   */
  constructor(
    private readonly admin: AdminClient | ((signal?: AbortSignal) => Promise<AdminClient>),
    private readonly options: { cacheMs?: number; now?: () => number } = {},
  ) {}

  async findByEmail(email: string, signal?: AbortSignal): Promise<SourceUser | undefined> {
    const users = await this.users(signal);
    return users.get(emailKey(email)) ?? undefined;
  }

  private users(signal?: AbortSignal): Promise<Map<string, SourceUser | null>> {
    const now = this.options.now ?? Date.now;
    const cacheMs = this.options.cacheMs ?? 60_000;
    if (this.index === undefined || now() - this.index.built > cacheMs) {
      const users = this.load(signal);
      users.catch(() => {
        if (this.index?.users === users) this.index = undefined;
      });
      this.index = { built: now(), users };
    }
    return withSignal(this.index.users, signal);
  }

  private readonly adminClient = lazyUntilRejected(
    (signal?: AbortSignal): Promise<AdminClient> =>
      typeof this.admin === "function" ? this.admin(signal) : Promise.resolve(this.admin),
  );

  private async load(signal?: AbortSignal): Promise<Map<string, SourceUser | null>> {
    const admin = await this.adminClient(signal);
    const users: SourceUser[] = [];
    try {
      for await (const user of admin.users({ providerTypes: ["local-userpass"] })) {
        const email = emailOf(user);
        if (email === undefined) continue;
        users.push({ realmUserId: user.id, email, confirmed: true, disabled: user.disabled });
      }
    } catch (error) {
      throw new MigrationRefusedError("directory-unavailable", "the Realm Admin API could not list users", {
        cause: error,
      });
    }
    return indexByEmail(users);
  }
}

function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () =>
      reject(new MigrationRefusedError("directory-unavailable", "the user directory did not answer in time"));
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

// Mirrors core's snapshotLineSchema with zod/mini: core's classic zod would add ~440 kB to the bundle.
// A test checks both accept and refuse the same lines.
/**
 * zod's own pattern for core's `z.iso.datetime({ offset: true })`, copied: `z.regexes` or `z.iso` would
 * bring all of zod's patterns (6.6 kB) into the trigger bundle. A test checks the copy against zod's.
 */
export const ISO_DATETIME_WITH_OFFSET =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/;

// The same rules as core's schema, from zod's basic types only (each extra zod type costs bundle bytes).
const snapshotLineSchema = lazy(() => {
  const timestamp = z.optional(z.string().check(z.regex(ISO_DATETIME_WITH_OFFSET)));
  return z.strictObject({
    realmUserId: z.optional(z.string().check(z.regex(/^[0-9a-f]{24}$/, "a 24-hex Realm user id"))),
    email: z.string().check(z.minLength(1)),
    mongoId: z.optional(z.string().check(z.minLength(1))),
    confirmed: z.boolean(),
    disabled: z.boolean(),
    createdAt: timestamp,
    lastAuthenticatedAt: timestamp,
    extra: z.optional(z.catchall(z.object({}), z.string())),
    source: z.enum(["admin-api", "pending-registrations", "mongo-collection", "mongoexport"]),
  });
});

/** Parses snapshot NDJSON; bad lines are counted by number, never quoted (they hold emails). */
export function parseSnapshot(text: string): { users: SnapshotLine[]; badLines: number[] } {
  const users: SnapshotLine[] = [];
  const badLines: number[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      badLines.push(index + 1);
      return;
    }
    const parsed = z.safeParse(snapshotLineSchema(), json);
    if (parsed.success) users.push(stripUndefined(parsed.data));
    else badLines.push(index + 1);
  });
  return { users, badLines };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A snapshot file (NDJSON of core's SnapshotLine, as the CLI's export writes it) as a directory, read
 * once per warm container on first use and indexed by email key.
 */
export class SnapshotDirectory implements UserDirectory {
  private readonly index = lazyUntilRejected(() => this.load());
  /** A sorted directory file is searched, not loaded: which kind the file is, found at first use. */
  private readonly sortedFile = lazyUntilRejected(() =>
    isDirectoryFile(this.file).then(
      (yes) => (yes ? new SortedDirectoryFile(this.file) : null),
      (error: unknown) => {
        throw new MigrationRefusedError("directory-unavailable", "the user snapshot file cannot be read", {
          cause: error,
        });
      },
    ),
  );

  constructor(
    private readonly file: string,
    private readonly onLoaded: (summary: { users: number; badLines: number[] }) => void = () => {},
  ) {}

  async findByEmail(email: string): Promise<SourceUser | undefined> {
    const sorted = await this.sortedFile();
    if (sorted !== null) return sorted.findByEmail(email);
    return (await this.index()).get(emailKey(email)) ?? undefined;
  }

  private async load(): Promise<Map<string, SourceUser | null>> {
    let text: string;
    try {
      const { readFile } = await import("node:fs/promises"); // loaded here, not at every cold start
      text = await readFile(this.file, "utf8");
    } catch (error) {
      throw new MigrationRefusedError("directory-unavailable", "the user snapshot file cannot be read", {
        cause: error,
      });
    }
    const { users, badLines } = parseSnapshot(text);
    this.onLoaded({ users: users.length, badLines });
    return indexByEmail(users);
  }
}
