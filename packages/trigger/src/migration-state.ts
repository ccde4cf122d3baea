/**
 * Who may be touched by the phase-1 endpoints: a mutable custom attribute written only
 * by the backend (app clients' WriteAttributes exclude it, as they exclude the ids).
 * - `realm-password`: created by the trigger's sign-in path with the user's Realm password;
 * - `stale`: a Realm reset was requested; the Cognito password was replaced by a random one and the
 *   sessions signed out; the next sign-in heals through re-sync, which Realm verifies;
 * - `imported`: created without a password (bulk import, or the trigger's forgot-password path);
 * - `cognito-password`: the user set their password in Cognito (ConfirmForgotPassword, marked by the Post
 *   Confirmation trigger): it is theirs, and no Realm password may be put over it.
 * Absent (a user who signed up in Cognito, or migrated before the attribute existed) counts as not ours.
 */
export const MIGRATION_STATE_ATTRIBUTE = "custom:migration_state";
export const MIGRATION_STATES = ["realm-password", "stale", "imported", "cognito-password"] as const;
export type MigrationState = (typeof MIGRATION_STATES)[number];

/**
 * When the last Realm reset was requested through the endpoint (ISO 8601), written with `stale` in one
 * update. Re-sync refuses a `stale` user until Realm's reset link has expired: until then the password
 * Realm accepts may be the one being replaced (a leaked one), not the one the user is about to set.
 */
export const RESET_REQUESTED_AT_ATTRIBUTE = "custom:reset_requested_at";

/** True for the users whose Cognito password is Realm's (or a scrambled stand-in for it). */
export function isPhaseOneUser(attributes: Readonly<Record<string, string | undefined>>): boolean {
  const state = attributes[MIGRATION_STATE_ATTRIBUTE];
  return state === "realm-password" || state === "stale";
}

/**
 * True for a Cognito account the phase-1 endpoints may act on: marked by phase 1, confirmed, with its
 * email verified. A self-registered account (a sign-up squat) is UNCONFIRMED until the mailbox's owner
 * confirms it, so it is never touched, even if an app client let the squatter write the marker.
 */
export function isPhaseOneAccount(user: {
  readonly status: string | undefined;
  readonly attributes: Readonly<Record<string, string | undefined>>;
}): boolean {
  return (
    isPhaseOneUser(user.attributes) &&
    user.status === "CONFIRMED" &&
    user.attributes.email_verified === "true"
  );
}
