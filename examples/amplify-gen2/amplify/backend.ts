import { defineBackend } from "@aws-amplify/backend";
import { auth } from "./auth/resource.js";
import { userMigration } from "./auth/user-migration/resource.js";
import { applyMigrationOverrides } from "./migration-overrides.js";

const backend = defineBackend({ auth, userMigration });

applyMigrationOverrides(backend.auth.resources.cfnResources, { realmPrimary: true });
