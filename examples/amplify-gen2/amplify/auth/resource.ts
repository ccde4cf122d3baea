import { defineAuth } from "@aws-amplify/backend";
import { postConfirmation } from "./post-confirmation/resource.js";
import { userMigration } from "./user-migration/resource.js";

/**
 * Written by the triggers, the phase-1 endpoints and the import only; no app client may write them (see
 * migration-overrides.ts). `custom:reset_requested_at` is when a Realm reset was requested (the reset
 * endpoint writes it; re-sync waits out Realm's reset-link lifetime after it).
 */
const backendOnly = { dataType: "String", mutable: true, maxLen: 256 } as const;

/** The pool's shape the migration needs (shared with the test that builds it with Amplify's construct). */
export const migrationAuthSettings = {
  loginWith: { email: true },
  userAttributes: {
    "custom:realm_user_id": backendOnly,
    "custom:mongo_id": backendOnly,
    "custom:migration_state": backendOnly,
    "custom:reset_requested_at": backendOnly,
  },
  accountRecovery: "EMAIL_ONLY",
} as const;

export const auth = defineAuth({
  ...migrationAuthSettings,
  triggers: { userMigration, postConfirmation },
  // Post Confirmation marks a user whose password was set in Cognito: AdminUpdateUserAttributes on this
  // pool and nothing else (Amplify grants it as a separate policy, so the pool and the function do not
  // depend on each other).
  access: (allow) => [allow.resource(postConfirmation).to(["updateUserAttributes"])],
});
