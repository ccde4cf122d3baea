import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoPoolUsers } from "./cognito-users.js";
import { requireCognitoPool, type TriggerConfig } from "./config.js";

/** The pool adapter of the endpoints, from COGNITO_USER_POOL_ID, COGNITO_REGION and COGNITO_ENDPOINT. */
export function buildPoolUsers(config: TriggerConfig): CognitoPoolUsers {
  const { userPoolId, region } = requireCognitoPool(config);
  const client = new CognitoIdentityProviderClient({
    region,
    ...(config.cognito.endpoint ? { endpoint: config.cognito.endpoint } : {}),
    maxAttempts: 2,
  });
  return new CognitoPoolUsers(client, userPoolId, config.cognito.clientId);
}
