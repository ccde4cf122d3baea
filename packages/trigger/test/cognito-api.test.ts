import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CognitoApi, CognitoCallError } from "../src/cognito-api.js";
import { startHangingServer } from "./support.js";

let seen: { headers: IncomingHttpHeaders; body: string }[] = [];
let server: ReturnType<typeof createServer>;
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      seen.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (String(request.headers["x-amz-target"]).endsWith("AdminGetUser"))
        return void response.writeHead(400, { "content-type": "application/x-amz-json-1.1" }).end(
          JSON.stringify({
            __type: "com.amazonaws.cognito#UserNotFoundException",
            message: "User does not exist.",
          }),
        );
      response.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const LAMBDA_ENV = {
  AWS_ACCESS_KEY_ID: "ASIAEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "secret",
  AWS_SESSION_TOKEN: "session-token-from-the-role",
};

describe("CognitoApi", () => {
  it("signs each call with SigV4 from the credentials Lambda puts in the environment", async () => {
    seen = [];
    const api = new CognitoApi({ region: "eu-west-1", endpoint, timeoutMs: 1000, env: LAMBDA_ENV });
    await api.call("AdminUserGlobalSignOut", { UserPoolId: "eu-west-1_x", Username: "u" });
    const [request] = seen;
    expect(request?.headers["x-amz-target"]).toBe("AWSCognitoIdentityProviderService.AdminUserGlobalSignOut");
    expect(request?.headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE\/\d{8}\/eu-west-1\/cognito-idp\/aws4_request, SignedHeaders=.*x-amz-target.*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers["x-amz-security-token"]).toBe(LAMBDA_ENV.AWS_SESSION_TOKEN);
    expect(JSON.parse(request?.body ?? "")).toEqual({ UserPoolId: "eu-west-1_x", Username: "u" });
  });

  it("names Cognito's exception without its namespace", async () => {
    const api = new CognitoApi({ region: "eu-west-1", endpoint, timeoutMs: 1000, env: LAMBDA_ENV });
    const error = await api.call("AdminGetUser", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CognitoCallError);
    expect(error).toMatchObject({ name: "UserNotFoundException", status: 400, operation: "AdminGetUser" });
  });

  it("gives up at its deadline when Cognito does not answer", async () => {
    const hanging = await startHangingServer();
    try {
      const api = new CognitoApi({
        region: "eu-west-1",
        endpoint: hanging.url,
        timeoutMs: 200,
        env: LAMBDA_ENV,
      });
      const started = performance.now();
      const error = await api.call("AdminGetUser", {}).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "Timeout" });
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await hanging.stop();
    }
  });

  it("refuses to call without credentials, saying where they come from", async () => {
    const api = new CognitoApi({ region: "eu-west-1", endpoint, timeoutMs: 1000, env: {} });
    await expect(api.call("AdminGetUser", {})).rejects.toThrow(/AWS_ACCESS_KEY_ID/);
  });
});
