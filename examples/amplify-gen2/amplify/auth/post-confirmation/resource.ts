import { defineFunction } from "@aws-amplify/backend";
import { TRIGGER_FUNCTION_SETTINGS } from "../trigger-environment.js";

/**
 * The Post Confirmation trigger: when a phase-1 user sets a new password through Cognito's forgot-password
 * flow, it marks them `custom:migration_state=cognito-password`, so no re-sync puts a Realm password back.
 * It calls AdminUpdateUserAttributes on the pool whose id Cognito puts in the event (granted in
 * ../resource.ts), so it needs no pool id in its environment.
 */
export const postConfirmation = defineFunction({
  name: "post-confirmation",
  entry: "./handler.ts",
  ...TRIGGER_FUNCTION_SETTINGS,
});
