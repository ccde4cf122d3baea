import type { ImportEngine } from "./ledger/index.js";

/**
 * How much later than our own record of an admin-create import the pool's UserLastModifiedDate must be
 * to count as the user's own change: AdminSetUserPassword happens just before we record the user as
 * created, and Cognito's clock and ours may differ by a little.
 */
export const RESET_MARGIN_MS = 5_000;

/** What the ledger and the last pool listing know about one imported user. */
export interface ImportedUserFacts {
  readonly engine: ImportEngine | string | undefined;
  /** The pool's UserStatus, if the listing has the user. */
  readonly poolStatus: string | undefined;
  /** The pool's UserLastModifiedDate (ISO). */
  readonly poolLastModifiedAt: string | undefined;
  /** When our import finished with the user: the ledger's `created` entry (ISO). */
  readonly importFinishedAt: string | undefined;
}

/**
 * Has an imported user reset their password, as far as the pool shows?
 * - csv-job: the job leaves users RESET_REQUIRED until they reset, so CONFIRMED means done.
 * - admin-create: users are CONFIRMED from the start (a random permanent password), so a reset shows only
 *   as the pool's last-modified date moving past our import. Any later change to the user (an attribute
 *   update, disabling) moves it too, so this reads "changed since the import", usually a reset.
 */
export function hasReset(user: ImportedUserFacts, marginMs = RESET_MARGIN_MS): boolean {
  if (user.poolStatus !== "CONFIRMED") return false;
  if (user.engine === "csv-job") return true;
  if (user.poolLastModifiedAt === undefined || user.importFinishedAt === undefined) return false;
  return Date.parse(user.poolLastModifiedAt) > Date.parse(user.importFinishedAt) + marginMs;
}
