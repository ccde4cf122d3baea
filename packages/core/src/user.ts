import type { SourcePosition } from "./source-position.js";

/**
 * One user of the source app, normalised from any source (Admin API, pending registrations, the app's
 * MongoDB user collection, a mongoexport file, flowerbase's auth_users). This is also one line of a
 * snapshot (NDJSON).
 */
export interface SourceUser {
  /** Realm's user id (24-hex ObjectId string); absent for a pending registration, which has none yet. */
  readonly realmUserId?: string;
  /** The email as Realm holds it (case kept). */
  readonly email: string;
  /** The `_id` of the app's own user document, as a deterministic string (see `bsonIdString`). */
  readonly mongoId?: string;
  /** True when the source confirmed the email; false for pending registrations and unknown states. */
  readonly confirmed: boolean;
  readonly disabled: boolean;
  /** ISO-8601 timestamps, when known. */
  readonly createdAt?: string;
  readonly lastAuthenticatedAt?: string;
  /** Further fields to map to Cognito attributes, by configuration. */
  readonly extra?: Readonly<Record<string, string>>;
  /** Where the user came from in what the operator gave (file line, Admin API page and item). */
  readonly at?: SourcePosition;
}

/** Where a user of a snapshot came from. */
export type UserSource =
  | "admin-api"
  | "pending-registrations"
  | "mongo-collection"
  | "mongoexport"
  | "flowerbase";
