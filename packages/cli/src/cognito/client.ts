import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";

/**
 * The CLI's AWS SDK clients give up on an endpoint that does not answer: without these settings the
 * SDK only warns and keeps waiting, which would hold an import, a campaign or a listing forever.
 */
export function sdkRequestHandler(requestTimeoutMs = 30_000) {
  return { connectionTimeout: 5_000, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true };
}

/** What the CLI sends to Cognito through: the real client, or a mock in tests. */
export type CognitoSender = Pick<CognitoIdentityProviderClient, "send">;
