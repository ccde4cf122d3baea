import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";
import { createCognitoClient } from "../src/cognito/client.js";
import { isRetryableCognitoError } from "../src/rate.js";

describe("the Cognito client", () => {
  it("gives up on an endpoint that never answers with a retryable TimeoutError", async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const client = createCognitoClient({
        region: "us-east-1",
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        env: {},
        requestTimeoutMs: 300,
      });
      const error = await client
        .send(new ListUsersCommand({ UserPoolId: "us-east-1_hang" }))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "TimeoutError" });
      expect(isRetryableCognitoError(error)).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
