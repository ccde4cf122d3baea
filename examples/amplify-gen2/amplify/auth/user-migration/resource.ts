import { defineFunction } from "@aws-amplify/backend";

/**
 * The trigger as an Amplify function. The variables are the trigger's own (packages/trigger/README.md);
 * switch MIGRATION_MODE to "cognito-primary" (and give USER_DIRECTORY) when Cognito becomes primary.
 */
export const userMigration = defineFunction({
  name: "user-migration",
  entry: "./handler.ts",
  // With auth: the trigger must not sit in a stack that depends on auth (a circular reference).
  resourceGroupName: "auth",
  runtime: 22,
  architecture: "arm64",
  // Cognito waits 5 s for the trigger in all; the Realm call's own deadline is REALM_TIMEOUT_MS (3.5 s).
  timeoutSeconds: 4,
  memoryMB: 256,
  environment: {
    MIGRATION_MODE: "realm-primary",
    REALM_APP_ID: "myapp-abcde",
    // The pool's password policy below, so a migrated password that breaks it is reset instead.
    PASSWORD_POLICY: JSON.stringify({
      minimumLength: 8,
      requireLowercase: true,
      requireUppercase: true,
      requireNumbers: true,
      requireSymbols: true,
    }),
  },
  logging: { format: "text", retention: "1 year" },
});
