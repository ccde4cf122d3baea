import { defineFunction } from "@aws-amplify/backend";
import { TRIGGER_ENVIRONMENT } from "../trigger-environment.js";

/**
 * The trigger as an Amplify function. Its variables are the trigger's own (../trigger-environment.ts);
 * give it a USER_DIRECTORY too when MIGRATION_MODE becomes "cognito-primary".
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
  environment: TRIGGER_ENVIRONMENT,
  logging: { format: "text", retention: "1 year" },
});
