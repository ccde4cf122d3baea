/**
 * What each Lambda of packages/trigger reads from its environment and which Cognito calls it makes: the
 * one place to adjust when a handler's contract changes. The names mirror packages/trigger/src/config.ts
 * (it does not export them) and the phase-1 endpoints of issue 12 (ON_RESET_REQUEST).
 */
export const LAMBDA_ENV = {
  mode: "MIGRATION_MODE",
  realmAppId: "REALM_APP_ID",
  realmBaseUrl: "REALM_BASE_URL",
  realmSkipLocation: "REALM_SKIP_LOCATION",
  realmTimeoutMs: "REALM_TIMEOUT_MS",
  mongoIdField: "MONGO_ID_FIELD",
  attributeMapping: "ATTRIBUTE_MAPPING",
  passwordPolicy: "PASSWORD_POLICY",
  userDirectory: "USER_DIRECTORY",
  userSnapshotFile: "USER_SNAPSHOT_FILE",
  realmAdminBaseUrl: "REALM_ADMIN_BASE_URL",
  realmGroupId: "REALM_GROUP_ID",
  realmAppObjectId: "REALM_APP_OBJECT_ID",
  realmAdminPublicKey: "REALM_ADMIN_PUBLIC_KEY",
  realmAdminPrivateKeySecret: "REALM_ADMIN_PRIVATE_KEY_SECRET",
  cognitoUserPoolId: "COGNITO_USER_POOL_ID",
  cognitoRegion: "COGNITO_REGION",
  onResetRequest: "ON_RESET_REQUEST",
  logLevel: "LOG_LEVEL",
} as const;

/** The bundle file names `buildBundles` of `@realm-to-cognito/trigger/build` writes (DECISIONS.md 2). */
export const BUNDLE_FILES = {
  userMigration: "user-migration.mjs",
  passwordResetRequested: "password-reset-requested.mjs",
  resyncPassword: "resync-password.mjs",
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
} as const satisfies {
  userMigration: readonly string[];
  passwordResetRequested: Record<ResetAction, readonly string[]>;
  resyncPassword: readonly string[];
};

/** The attributes only the backend writes (DECISIONS.md 1): no app client may list them as writable. */
export const BACKEND_ONLY_ATTRIBUTES = ["realm_user_id", "mongo_id", "migration_state"] as const;
