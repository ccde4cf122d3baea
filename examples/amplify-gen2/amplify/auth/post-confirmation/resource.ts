import { defineFunction } from "@aws-amplify/backend";
import { TRIGGER_ENVIRONMENT } from "../trigger-environment.js";

/**
 * The Post Confirmation trigger: when a phase-1 user sets a new password through Cognito's forgot-password
 * flow, it marks them `custom:migration_state=cognito-password`, so no re-sync puts a Realm password back.
 * It calls AdminUpdateUserAttributes on the pool whose id Cognito puts in the event (granted in
 * ../resource.ts), so it needs no pool id in its environment.
 */
export const postConfirmation = defineFunction({
  name: "post-confirmation",
  entry: "./handler.ts",
  // With auth: the trigger must not sit in a stack that depends on auth (a circular reference).
  resourceGroupName: "auth",
  runtime: 22,
  architecture: "arm64",
  // Cognito waits 5 s for the trigger in all; the marking's own deadline is 3.5 s.
  timeoutSeconds: 4,
  memoryMB: 256,
  environment: TRIGGER_ENVIRONMENT,
  logging: { format: "text", retention: "1 year" },
});
