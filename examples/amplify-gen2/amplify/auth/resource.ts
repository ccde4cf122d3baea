import { defineAuth } from "@aws-amplify/backend";
import { userMigration } from "./user-migration/resource.js";

/** Written by the trigger and the import only; no app client may write them (see migration-overrides.ts). */
const backendOnly = { dataType: "String", mutable: true, maxLen: 256 } as const;

/** The pool's shape the migration needs (shared with the test that builds it with Amplify's construct). */
export const migrationAuthSettings = {
  loginWith: { email: true },
  userAttributes: {
    "custom:realm_user_id": backendOnly,
    "custom:mongo_id": backendOnly,
    "custom:migration_state": backendOnly,
  },
  accountRecovery: "EMAIL_ONLY",
} as const;

export const auth = defineAuth({ ...migrationAuthSettings, triggers: { userMigration } });
