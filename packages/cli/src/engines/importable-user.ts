import type { SnapshotLine } from "@realm-to-cognito/core";

/**
 * The user as an engine imports it. With `trustPendingEmails`, a pending registration's email counts as
 * verified (Realm's pending list mixes unconfirmed users with confirmed ones who never signed in), so
 * Cognito will send it a reset code.
 */
export function importableUser(user: SnapshotLine, trustPendingEmails: boolean): SnapshotLine {
  return trustPendingEmails && !user.confirmed && user.source === "pending-registrations"
    ? { ...user, confirmed: true }
    : user;
}
