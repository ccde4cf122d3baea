import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFastCognitoSender, SigV4Signer } from "../src/cognito/fast-sender.js";
import { isRetryableCognitoError } from "../src/rate.js";

// The SDK's own signer, given node:crypto as its hash, is the reference our signatures must equal.
class NodeSha256 {
  private readonly hash;
  constructor(secret?: Uint8Array | string) {
    this.hash = secret ? createHmac("sha256", secret) : createHash("sha256");
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session-token",
};

describe("SigV4 for the fast transport", () => {
  it("signs exactly as the AWS SDK's SignatureV4 does, with and without a session token", async () => {
    const at = new Date("2026-11-27T03:04:05.678Z");
    const body = JSON.stringify({
      UserPoolId: "us-east-1_abc",
      Username: "zoë@example.com",
      MessageAction: "SUPPRESS",
    });
    for (const creds of [
      credentials,
      { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    ]) {
      const headers = {
        "content-type": "application/x-amz-json-1.1",
        host: "cognito-idp.us-east-1.amazonaws.com",
        "x-amz-target": "AWSCognitoIdentityProviderService.AdminCreateUser",
      };
      const ours = new SigV4Signer("us-east-1", "cognito-idp").sign(
        { method: "POST", path: "/", headers, body },
        creds,
        at,
      );
      const reference = await new SignatureV4({
        service: "cognito-idp",
        region: "us-east-1",
        credentials: creds,
        sha256: NodeSha256 as never,
        applyChecksum: false,
      }).sign(
        {
          method: "POST",
          protocol: "https:",
          hostname: "cognito-idp.us-east-1.amazonaws.com",
          path: "/",
          headers: { ...headers },
          body,
          query: {},
        },
        { signingDate: at },
      );
      expect(ours.authorization).toBe(reference.headers.authorization);
    }
  });
});

describe("the fast transport against a Cognito-shaped server", () => {
  const seen: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let endpoint = "";
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk));
    request.on("end", () => {
      seen.push({ headers: request.headers, body });
      const target = String(request.headers["x-amz-target"]);
      response.setHeader("content-type", "application/x-amz-json-1.1");
      if (body.includes("behind-proxy@example.com")) {
        response.setHeader("content-type", "text/html");
        response.writeHead(503).end("<html><body>503 Service Temporarily Unavailable</body></html>");
      } else if (target.endsWith("AdminCreateUser") && body.includes("taken@example.com")) {
        response
          .writeHead(400)
          .end(JSON.stringify({ __type: "UsernameExistsException", message: "User account already exists" }));
      } else if (target.endsWith("AdminCreateUser")) {
        response
          .writeHead(200)
          .end(JSON.stringify({ User: { Username: "sub-1", UserCreateDate: 1_780_000_000.5 } }));
      } else if (target.endsWith("AdminGetUser")) {
        response
          .writeHead(200)
          .end(JSON.stringify({ Username: "sub-1", UserStatus: "CONFIRMED", UserCreateDate: 1_780_000_000 }));
      } else response.writeHead(200).end(JSON.stringify({ Users: [] }));
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sender = () =>
    createFastCognitoSender({
      sdk: new CognitoIdentityProviderClient({ region: "us-east-1", endpoint, credentials, maxAttempts: 1 }),
      region: "us-east-1",
      endpoint,
      credentials: async () => credentials,
    });

  it("sends the JSON 1.1 request signed, and reads dates back as Dates", async () => {
    const created = (await sender().send(
      new AdminCreateUserCommand({ UserPoolId: "p", Username: "a@example.com", MessageAction: "SUPPRESS" }),
    )) as {
      User: { Username: string; UserCreateDate: Date };
    };
    expect(created.User.Username).toBe("sub-1");
    expect(created.User.UserCreateDate).toEqual(new Date(1_780_000_000_500));
    const request = seen.at(-1)!;
    expect(request.headers["x-amz-target"]).toBe("AWSCognitoIdentityProviderService.AdminCreateUser");
    expect(request.headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/cognito-idp\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(request.headers["x-amz-security-token"]).toBe("session-token");
    expect(JSON.parse(request.body)).toEqual({
      UserPoolId: "p",
      Username: "a@example.com",
      MessageAction: "SUPPRESS",
    });
  });

  it("throws errors named as the SDK names them", async () => {
    const failure = sender().send(
      new AdminCreateUserCommand({ UserPoolId: "p", Username: "taken@example.com" }),
    );
    await expect(failure).rejects.toMatchObject({
      name: "UsernameExistsException",
      message: "User account already exists",
      $metadata: { httpStatusCode: 400 },
    });
    const user = (await sender().send(new AdminGetUserCommand({ UserPoolId: "p", Username: "x" }))) as {
      UserCreateDate: Date;
    };
    expect(user.UserCreateDate).toBeInstanceOf(Date);
  });

  it("turns an HTML error page from a proxy into a retryable HTTP error, not a JSON syntax error", async () => {
    const failure = sender().send(
      new AdminCreateUserCommand({ UserPoolId: "p", Username: "behind-proxy@example.com" }),
    );
    await expect(failure).rejects.toMatchObject({
      name: "HTTP503",
      message: "AdminCreateUser failed",
      $metadata: { httpStatusCode: 503 },
    });
    expect(isRetryableCognitoError(await failure.catch((error: unknown) => error))).toBe(true);
  });

  it("leaves every other command to the SDK", async () => {
    const before = seen.length;
    await sender().send(new ListUsersCommand({ UserPoolId: "p" }));
    expect(seen.length).toBe(before + 1);
    expect(seen.at(-1)!.headers["user-agent"]).toMatch(/aws-sdk-js/);
  });
});
