import { CognitoApi } from "./cognito-api.js";
import { CognitoPoolUsers } from "./cognito-users.js";
import { requireCognitoPool, type TriggerConfig } from "./config.js";

/**
 * The pool adapter of the endpoints, from COGNITO_USER_POOL_ID, COGNITO_REGION and COGNITO_ENDPOINT. A pool
 * trigger passes the event's pool as `userPoolId` (its function cannot be told the pool's id: the pool
 * names the function, so the function naming the pool would be a cycle).
 */
export function buildPoolUsers(
  config: TriggerConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
  eventPoolId?: string,
): CognitoPoolUsers {
  const { userPoolId, region } = requireCognitoPool(
    eventPoolId === undefined
      ? config
      : { ...config, cognito: { ...config.cognito, userPoolId: eventPoolId } },
  );
  const api = new CognitoApi({
    region,
    ...(config.cognito.endpoint ? { endpoint: config.cognito.endpoint } : {}),
    timeoutMs: config.cognito.timeoutMs,
    env,
  });
  return new CognitoPoolUsers(api, userPoolId, config.cognito.clientId);
}
