// Composition root of the POST /password-reset-requested bundle (API Gateway HTTP API or Function URL).
import { buildPoolUsers } from "../cognito-client.js";
import { loadTriggerConfig } from "../config.js";
import { createLogger } from "../log.js";
import { buildRateLimits } from "../services.js";
import { createPasswordResetRequestedHandler } from "../stale-on-reset.js";

const config = loadTriggerConfig(process.env);

/** The Lambda handler behind `POST /password-reset-requested`. */
export const handler = createPasswordResetRequestedHandler({
  mode: config.mode,
  pool: buildPoolUsers(config),
  limits: buildRateLimits(),
  log: createLogger({ level: config.logLevel }),
});
