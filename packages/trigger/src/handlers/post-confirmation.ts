// Composition root of the Post Confirmation trigger bundle: marks a phase-1 user whose password was set
// in Cognito (ConfirmForgotPassword) so that no re-sync puts a Realm password back over it.
import { buildPoolUsers } from "../cognito-client.js";
import type { CognitoPoolUsers } from "../cognito-users.js";
import { loadTriggerConfig } from "../config.js";
import { createLogger } from "../log.js";
import { createPostConfirmationHandler } from "../password-set-in-cognito.js";

const config = loadTriggerConfig(process.env);
const pools = new Map<string, CognitoPoolUsers>();

/** Cognito waits 5 s for a trigger; the marking is cut off well before. */
const DEADLINE_MS = 3500;

/** The Lambda handler Cognito's Post Confirmation trigger invokes. */
export const handler = createPostConfirmationHandler({
  poolFor(userPoolId) {
    let pool = pools.get(userPoolId);
    if (pool === undefined) {
      pool = buildPoolUsers(config, process.env, userPoolId);
      pools.set(userPoolId, pool);
    }
    return pool;
  },
  deadlineMs: DEADLINE_MS,
  log: createLogger({ level: config.logLevel }),
});
