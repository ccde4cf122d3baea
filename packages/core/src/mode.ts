import { MigrationError } from "./errors.js";

/**
 * `realm-primary`: phase 1, Realm decides every sign-in and Cognito follows through the migration trigger.
 * `cognito-primary`: phase 2 (and "straight to phase 2"), Cognito alone.
 */
export const MIGRATION_MODES = ["realm-primary", "cognito-primary"] as const;
export type MigrationMode = (typeof MIGRATION_MODES)[number];

export function isMigrationMode(value: unknown): value is MigrationMode {
  return typeof value === "string" && (MIGRATION_MODES as readonly string[]).includes(value);
}

export function parseMigrationMode(value: string): MigrationMode {
  if (isMigrationMode(value)) return value;
  throw new MigrationError(
    "UNKNOWN_MODE",
    `unknown migration mode "${value}": use one of ${MIGRATION_MODES.join(", ")}`,
  );
}

export type UserAction =
  | "signUp"
  | "confirmSignUp"
  | "signIn"
  | "requestPasswordReset"
  | "confirmPasswordReset"
  | "reachData";

/** Where one user action goes, per mode: the decision table of DESIGN.md §1 as data. */
export interface ActionRoute {
  /** The service whose answer is the user's answer. */
  readonly decides: "realm" | "cognito";
  /** What else happens, in order, after the deciding call succeeds; never able to fail the action. */
  readonly followUps: readonly FollowUp[];
}

export type FollowUp =
  /** Sign in to Cognito with USER_PASSWORD_AUTH; the migration trigger creates the user if unknown. */
  | "shadowSignInToCognito"
  /** When Cognito refuses a password Realm accepted: ask the backend to re-sync it, then retry once. */
  | "resyncPasswordOnDrift"
  /** Ask the backend to delete the migrated Cognito user, so no stale password survives the reset. */
  | "deleteMigratedCognitoUser"
  /** A user imported without a password is led into Cognito's reset flow. */
  | "leadIntoResetWhenRequired";

const NO_FOLLOW_UPS: readonly FollowUp[] = [];

const DECISION_TABLE: Record<MigrationMode, Record<UserAction, ActionRoute>> = {
  "realm-primary": {
    signUp: { decides: "realm", followUps: NO_FOLLOW_UPS },
    confirmSignUp: { decides: "realm", followUps: NO_FOLLOW_UPS },
    signIn: { decides: "realm", followUps: ["shadowSignInToCognito", "resyncPasswordOnDrift"] },
    requestPasswordReset: { decides: "realm", followUps: ["deleteMigratedCognitoUser"] },
    confirmPasswordReset: { decides: "realm", followUps: NO_FOLLOW_UPS },
    reachData: { decides: "realm", followUps: NO_FOLLOW_UPS },
  },
  "cognito-primary": {
    signUp: { decides: "cognito", followUps: NO_FOLLOW_UPS },
    confirmSignUp: { decides: "cognito", followUps: NO_FOLLOW_UPS },
    signIn: { decides: "cognito", followUps: ["leadIntoResetWhenRequired"] },
    requestPasswordReset: { decides: "cognito", followUps: NO_FOLLOW_UPS },
    confirmPasswordReset: { decides: "cognito", followUps: NO_FOLLOW_UPS },
    reachData: { decides: "cognito", followUps: NO_FOLLOW_UPS },
  },
};

/** The route of `action` in `mode`. */
export function routeFor(mode: MigrationMode, action: UserAction): ActionRoute {
  return DECISION_TABLE[mode][action];
}
