// Composition root of the POST /resync-password bundle (API Gateway HTTP API or Function URL).
import { buildPoolUsers } from "../cognito-client.js";
import { loadTriggerConfig } from "../config.js";
import { createResyncPasswordHandler } from "../heal-stale-password.js";
import { createLogger } from "../log.js";
import { buildRateLimits } from "../rate-limit.js";
import { buildRealmClient } from "../realm-client.js";

const config = loadTriggerConfig(process.env);

/** The Lambda handler behind `POST /resync-password`. */
export const handler = createResyncPasswordHandler({
  mode: config.mode,
  realm: buildRealmClient(config),
  realmTimeoutMs: config.realm.timeoutMs,
  pool: buildPoolUsers(config),
  limits: buildRateLimits(config.endpoint.rateLimitMaxKeys),
  onResetRequest: config.endpoint.onResetRequest,
  timing: { responseMs: config.endpoint.responseMs },
  resetTokenLifetimeMs: config.endpoint.resetTokenLifetimeMs,
  log: createLogger({ level: config.logLevel }),
});
