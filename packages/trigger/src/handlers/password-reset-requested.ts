// Composition root of the POST /password-reset-requested bundle (API Gateway HTTP API or Function URL).
import { buildPoolUsers } from "../cognito-client.js";
import { loadTriggerConfig } from "../config.js";
import { createLogger } from "../log.js";
import { buildRateLimits } from "../rate-limit.js";
import { buildRealmClient } from "../realm-client.js";
import { createPasswordResetRequestedHandler } from "../stale-on-reset.js";

const config = loadTriggerConfig(process.env);

/** The Lambda handler behind `POST /password-reset-requested`. */
export const handler = createPasswordResetRequestedHandler({
  mode: config.mode,
  realm: buildRealmClient(config),
  pool: buildPoolUsers(config),
  limits: buildRateLimits(config.endpoint.rateLimitMaxKeys),
  onResetRequest: config.endpoint.onResetRequest,
  timing: { responseMs: config.endpoint.responseMs },
  log: createLogger({ level: config.logLevel }),
});
