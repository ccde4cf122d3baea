// Composition root of the User Migration trigger bundle: configuration and clients are built once, at
// cold start, and reused by every warm invocation. A bad setting fails here, naming the variable.
import { loadTriggerConfig } from "../config.js";
import { createLogger } from "../log.js";
import { createUserMigrationHandler } from "../migrate-from-realm.js";
import { buildRealmClient } from "../realm-client.js";
import { buildDirectory } from "../services.js";

const config = loadTriggerConfig(process.env);
const log = createLogger({ level: config.logLevel });

/** The Lambda handler Cognito's UserMigration trigger invokes. */
export const handler = createUserMigrationHandler({
  mode: config.mode,
  realm: buildRealmClient(config),
  realmTimeoutMs: config.realm.timeoutMs,
  mongoIdField: config.mongoIdField,
  attributeMapping: config.attributeMapping,
  passwordPolicy: config.passwordPolicy,
  directory: buildDirectory(config, log),
  log,
});
