import { CognitoApi } from "./cognito-api.js";
import { CognitoPoolUsers } from "./cognito-users.js";
import { requireCognitoPool, type TriggerConfig } from "./config.js";

/** The pool adapter of the endpoints, from COGNITO_USER_POOL_ID, COGNITO_REGION and COGNITO_ENDPOINT. */
export function buildPoolUsers(
  config: TriggerConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): CognitoPoolUsers {
  const { userPoolId, region } = requireCognitoPool(config);
  const api = new CognitoApi({
    region,
    ...(config.cognito.endpoint ? { endpoint: config.cognito.endpoint } : {}),
    timeoutMs: config.cognito.timeoutMs,
    env,
  });
  return new CognitoPoolUsers(api, userPoolId, config.cognito.clientId);
}
