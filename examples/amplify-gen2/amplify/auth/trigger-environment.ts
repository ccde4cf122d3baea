/**
 * The environment both triggers read (packages/trigger/README.md): one validated configuration, so the
 * two functions cannot disagree on the mode or the Realm app. Switch MIGRATION_MODE to "cognito-primary"
 * (and give the migration trigger a USER_DIRECTORY) when Cognito becomes primary.
 */
export const TRIGGER_ENVIRONMENT = {
  MIGRATION_MODE: "realm-primary",
  REALM_APP_ID: "myapp-abcde",
  // The pool's password policy (Amplify's default), so a migrated password that breaks it is reset instead.
  PASSWORD_POLICY: JSON.stringify({
    minimumLength: 8,
    requireLowercase: true,
    requireUppercase: true,
    requireNumbers: true,
    requireSymbols: true,
  }),
} as const;
