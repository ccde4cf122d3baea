import { defineFunction } from "@aws-amplify/backend";
import { TRIGGER_FUNCTION_SETTINGS } from "../trigger-environment.js";

/**
 * The trigger as an Amplify function. Its variables are the trigger's own (../trigger-environment.ts);
 * give it a USER_DIRECTORY too when MIGRATION_MODE becomes "cognito-primary".
 */
export const userMigration = defineFunction({
  name: "user-migration",
  entry: "./handler.ts",
  ...TRIGGER_FUNCTION_SETTINGS,
});
