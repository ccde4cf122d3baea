import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";

/**
 * The CLI's AWS SDK clients give up on an endpoint that does not answer: without these settings the
 * SDK only warns and keeps waiting, which would hold an import, a campaign or a listing forever.
 */
export function sdkRequestHandler(requestTimeoutMs = 30_000) {
  return { connectionTimeout: 5_000, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true };
}

/** What the CLI sends to Cognito through: the real client, or a mock in tests. */
export type CognitoSender = Pick<CognitoIdentityProviderClient, "send">;

/**
 * Builds the Cognito client (called by `services.ts`, the composition root, and by the benches, which
 * must not load every other client the CLI has). Retries are ours (token bucket, backoff, the daily-email rule), so the
 * SDK makes one attempt. Against an emulator on localhost without AWS credentials, dummy ones are used.
 * A request that gets no answer within `requestTimeoutMs` (default 30 s, as the fast transport) fails
 * with the retryable TimeoutError instead of hanging the run.
 */
export function createCognitoClient(options: {
  region: string;
  endpoint?: string | undefined;
  env?: NodeJS.ProcessEnv;
  requestTimeoutMs?: number;
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
    requestHandler: sdkRequestHandler(options.requestTimeoutMs),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
}
