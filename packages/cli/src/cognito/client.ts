import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";

/** What the CLI sends to Cognito through: the real client, or a mock in tests. */
export type CognitoSender = Pick<CognitoIdentityProviderClient, "send">;

/**
 * Builds the Cognito client. Retries are ours (token bucket, backoff, the daily-email rule), so the
 * SDK makes one attempt. Against a local endpoint without AWS credentials, dummy ones are used.
 */
export function createCognitoClient(options: {
  region: string;
  endpoint?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): CognitoIdentityProviderClient {
  const env = options.env ?? process.env;
  const local = options.endpoint !== undefined && !env.AWS_ACCESS_KEY_ID;
  return new CognitoIdentityProviderClient({
    region: options.region,
    maxAttempts: 1,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
}
