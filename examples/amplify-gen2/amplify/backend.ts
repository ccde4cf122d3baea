import { defineBackend } from "@aws-amplify/backend";
import { postConfirmation } from "./auth/post-confirmation/resource.js";
import { auth } from "./auth/resource.js";
import { userMigration } from "./auth/user-migration/resource.js";
import { applyMigrationOverrides } from "./migration-overrides.js";

const backend = defineBackend({ auth, userMigration, postConfirmation });

applyMigrationOverrides(backend.auth.resources.cfnResources, { realmPrimary: true });
