import { createHash, createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CognitoApi } from "../src/cognito-api.js";
import { type AwsCredentials, signRequest } from "../src/sigv4.js";

/** node:crypto's SHA-256 and HMAC in the shape @smithy/signature-v4 takes: the reference signer's hash. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", asBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(asBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

function asBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === "string") return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/** What @smithy/signature-v4 (the AWS SDK's signer) puts on the same request. */
async function referenceHeaders(
  url: URL,
  headers: Record<string, string>,
  body: string,
  region: string,
  credentials: AwsCredentials,
  now: Date,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: "cognito-idp", region, sha256: NodeSha256, credentials });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { host: url.host, ...headers },
      body,
    },
    { signingDate: now },
  );
  return signed.headers;
}

describe("signRequest", () => {
  const credentialsArb = fc.record(
    {
      accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
      secretAccessKey: fc.string({ minLength: 1, maxLength: 60 }),
      sessionToken: fc.string({ minLength: 1, maxLength: 80 }),
    },
    { requiredKeys: ["accessKeyId", "secretAccessKey"] },
  );

  it("signs exactly as @smithy/signature-v4 does (every header, same Authorization)", async () => {
    await fc.assert(
      fc.asyncProperty(
        credentialsArb,
        fc.constantFrom("eu-west-1", "us-east-1", "ap-southeast-2"),
        fc.constantFrom(
          "https://cognito-idp.eu-west-1.amazonaws.com/",
          "http://127.0.0.1:9229/",
          "http://localhost:9229/a/../b/./c d/",
        ),
        fc.string({ maxLength: 200 }),
        fc.constantFrom("AdminGetUser", "AdminSetUserPassword", "AdminUserGlobalSignOut"),
        fc.date({
          min: new Date("2000-01-01T00:00:00Z"),
          max: new Date("2099-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        async (credentials, region, endpoint, body, operation, now) => {
          const url = new URL(endpoint);
          const headers = {
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
          };
          const ours = await signRequest(
            { method: "POST", url, headers, body },
            { region, service: "cognito-idp" },
            credentials,
            now,
          );
          expect(ours).toEqual(await referenceHeaders(url, headers, body, region, credentials, now));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("gives CognitoApi's calls a signature the reference signer accepts, with the session token", async () => {
    const credentials = { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token" };
    const checks: boolean[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", async () => {
        const url = new URL(request.url ?? "/", `http://${request.headers.host}`);
        const amzDate = String(request.headers["x-amz-date"]);
        const now = new Date(
          `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
        );
        const expected = await referenceHeaders(
          url,
          {
            "content-type": String(request.headers["content-type"]),
            "x-amz-target": String(request.headers["x-amz-target"]),
          },
          Buffer.concat(chunks).toString("utf8"),
          "eu-west-1",
          credentials,
          now,
        );
        checks.push(request.headers.authorization === expected.authorization);
        response.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const api = new CognitoApi({
        region: "eu-west-1",
        endpoint,
        timeoutMs: 1000,
        env: {
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_SESSION_TOKEN: credentials.sessionToken,
        },
      });
      await api.call("AdminGetUser", { UserPoolId: "eu-west-1_x", Username: "ünïcode@example.com" });
      expect(checks).toEqual([true]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
