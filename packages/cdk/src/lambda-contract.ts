import { ENVIRONMENT_VARIABLES } from "@realm-to-cognito/trigger";

/**
 * What each Lambda of packages/trigger reads from its environment (the trigger's own list, so a renamed
 * variable cannot drift) and, below, which Cognito calls it makes: the one place to adjust when a
 * handler's contract changes.
 */
export const LAMBDA_ENV = ENVIRONMENT_VARIABLES;

/** The bundle file names `buildBundles` of `@realm-to-cognito/trigger/build` writes. */
export const BUNDLE_FILES = {
  userMigration: "user-migration.mjs",
  passwordResetRequested: "password-reset-requested.mjs",
  resyncPassword: "resync-password.mjs",
  postConfirmation: "post-confirmation.mjs",
} as const;

/** What `POST /password-reset-requested` does to a migrated user whose Realm reset was requested. */
export const RESET_ACTIONS = ["scramble", "delete"] as const;
export type ResetAction = (typeof RESET_ACTIONS)[number];

/**
 * The `cognito-idp` actions each function calls, granted on the pool's ARN only. The trigger calls no AWS
 * API (Cognito hands it the event and takes its answer). Keep each list to what the handler's code calls.
 */
export const COGNITO_ACTIONS = {
  userMigration: [],
  passwordResetRequested: {
    scramble: [
      "cognito-idp:AdminGetUser",
      "cognito-idp:AdminSetUserPassword",
      "cognito-idp:AdminUserGlobalSignOut",
      "cognito-idp:AdminUpdateUserAttributes",
    ],
    delete: ["cognito-idp:AdminGetUser", "cognito-idp:AdminDeleteUser"],
  },
  resyncPassword: [
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminUpdateUserAttributes",
  ],
  // Marks a user who set their password in Cognito (ConfirmForgotPassword) `cognito-password`.
  postConfirmation: ["cognito-idp:AdminUpdateUserAttributes"],
} as const satisfies {
  userMigration: readonly string[];
  passwordResetRequested: Record<ResetAction, readonly string[]>;
  resyncPassword: readonly string[];
  postConfirmation: readonly string[];
};

/** The attributes only the backend writes: no app client may list them as writable. */
export const BACKEND_ONLY_ATTRIBUTES = [
  "realm_user_id",
  "mongo_id",
  "migration_state",
  "reset_requested_at",
] as const;
