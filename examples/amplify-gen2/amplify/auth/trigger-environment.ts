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

/**
 * What both trigger functions share besides their variables. With auth: a trigger must not sit in a stack
 * that depends on auth (a circular reference). Cognito waits 5 s for a trigger in all; each handler's own
 * deadline is 3.5 s (the Realm call's REALM_TIMEOUT_MS, the Post Confirmation marking's).
 */
export const TRIGGER_FUNCTION_SETTINGS = {
  resourceGroupName: "auth",
  runtime: 22,
  architecture: "arm64",
  timeoutSeconds: 4,
  memoryMB: 256,
  environment: TRIGGER_ENVIRONMENT,
  logging: { format: "text", retention: "1 year" },
} as const;
