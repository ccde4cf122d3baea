import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";

/** What the CLI sends to Cognito through: the real client, or a mock in tests. */
export type CognitoSender = Pick<CognitoIdentityProviderClient, "send">;

/**
 * Builds the Cognito client. Retries are ours (token bucket, backoff, the daily-email rule), so the
 * SDK makes one attempt. Against an emulator on localhost without AWS credentials, dummy ones are used.
 */
export function createCognitoClient(options: {
  region: string;
  endpoint?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): CognitoIdentityProviderClient {
  const env = options.env ?? process.env;
  // Dummy credentials only for an emulator on this machine; any other endpoint (a VPC endpoint, say)
  // gets the SDK's usual credential chain.
  const local =
    options.endpoint !== undefined &&
    !env.AWS_ACCESS_KEY_ID &&
    !env.AWS_PROFILE &&
    ["localhost", "127.0.0.1", "[::1]"].includes(new URL(options.endpoint).hostname);
  return new CognitoIdentityProviderClient({
    region: options.region,
    maxAttempts: 1,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
}
