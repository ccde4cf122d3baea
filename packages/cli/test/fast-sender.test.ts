import { createHash, createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { type CognitoLocal, createProductionShapedPool, startCognitoLocal } from "@realm-to-cognito/sandbox";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCognitoClient } from "../src/cognito/client.js";
import { createFastCognitoSender } from "../src/cognito/fast-sender.js";
import { isRetryableCognitoError } from "../src/rate.js";

// The verifier a SigV4 service runs: rebuild the request from what arrived, keep the headers the
// Authorization names as signed, sign that with the secret the server knows (the AWS SDK's own
// SignatureV4, over node:crypto), and compare.
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

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface Secret {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

async function signatureHolds(request: Received, secret: Secret, region = "us-east-1"): Promise<boolean> {
  const authorization = String(request.headers.authorization ?? "");
  const parsed =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (parsed === null || parsed[1] !== secret.accessKeyId) return false;
  const signedNames = parsed[5]!.split(";");
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    const value = request.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const amzDate = headers["x-amz-date"] ?? "";
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const expected = await new SignatureV4({
    service: parsed[4]!,
    region,
    credentials: { accessKeyId: secret.accessKeyId, secretAccessKey: secret.secretAccessKey },
    sha256: NodeSha256 as never,
    applyChecksum: false,
  }).sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: "verifier",
      path: request.path,
      headers,
      body: request.body,
      query: {},
    },
    { signingDate, signableHeaders: new Set(signedNames) },
  );
  return expected.headers.authorization === authorization;
}

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session-token",
};

describe("the fast transport against a Cognito-shaped server", () => {
  const seen: Received[] = [];
  let endpoint = "";
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", path: request.url ?? "", headers: request.headers, body });
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
    });

  const createInput = { UserPoolId: "p", Username: "signed@example.com", MessageAction: "SUPPRESS" as const };

  it("signs so that a SigV4 verifier accepts the request, as it accepts the SDK's own, and nothing else", async () => {
    await sender().send(new AdminCreateUserCommand(createInput));
    const ours = seen.at(-1)!;
    expect(ours.headers["user-agent"]).toBeUndefined(); // it came through the fast path, not the SDK
    expect(await signatureHolds(ours, credentials)).toBe(true);
    expect(ours.headers["x-amz-security-token"]).toBe("session-token");

    // Control: the verifier accepts what the SDK itself signs, and refuses a wrong secret or a changed body.
    await new CognitoIdentityProviderClient({
      region: "us-east-1",
      endpoint,
      credentials,
      maxAttempts: 1,
    }).send(new ListUsersCommand({ UserPoolId: "p" }));
    expect(await signatureHolds(seen.at(-1)!, credentials)).toBe(true);
    expect(await signatureHolds(ours, { ...credentials, secretAccessKey: "another-secret" })).toBe(false);
    expect(await signatureHolds({ ...ours, body: ours.body.replace("signed@", "other@") }, credentials)).toBe(
      false,
    );
  });

  it("signs at the clock's time, corrected by the SDK client's clock offset", async () => {
    const sdk = new CognitoIdentityProviderClient({
      region: "us-east-1",
      endpoint,
      credentials,
      maxAttempts: 1,
    });
    const at = Date.parse("2026-11-27T03:04:05.678Z");
    const fast = createFastCognitoSender({
      sdk,
      region: "us-east-1",
      endpoint,
      clock: { now: () => at, sleep: async () => {} },
    });
    await fast.send(new AdminCreateUserCommand(createInput));
    expect(seen.at(-1)!.headers["x-amz-date"]).toBe("20261127T030405Z");
    expect(seen.at(-1)!.headers.authorization).toContain(
      "Credential=AKIDEXAMPLE/20261127/us-east-1/cognito-idp/",
    );
    sdk.config.systemClockOffset = 60_000; // what the SDK learns from a RequestTimeTooSkewed answer
    await fast.send(new AdminCreateUserCommand(createInput));
    expect(seen.at(-1)!.headers["x-amz-date"]).toBe("20261127T030505Z");
    expect(await signatureHolds(seen.at(-1)!, credentials)).toBe(true);
  });

  it("signs with the SDK client's credential chain: a provider's session credentials, refreshed when they expire", async () => {
    let issued = 0;
    const provider = async () => {
      issued++;
      return {
        accessKeyId: `ASIATEMP${issued}`,
        secretAccessKey: `temporary-secret-${issued}`,
        sessionToken: `token-${issued}`,
        expiration: new Date(Date.now() + 60_000), // inside the SDK's refresh window: fetched anew for each request
      };
    };
    const fast = createFastCognitoSender({
      sdk: new CognitoIdentityProviderClient({
        region: "us-east-1",
        endpoint,
        credentials: provider,
        maxAttempts: 1,
      }),
      region: "us-east-1",
      endpoint,
    });
    const used: number[] = [];
    for (let i = 0; i < 2; i++) {
      await fast.send(new AdminCreateUserCommand(createInput));
      const request = seen.at(-1)!;
      const generation = Number(/^token-(\d+)$/.exec(String(request.headers["x-amz-security-token"]))?.[1]);
      expect(generation).toBeGreaterThan(0);
      const secret = {
        accessKeyId: `ASIATEMP${generation}`,
        secretAccessKey: `temporary-secret-${generation}`,
      };
      expect(await signatureHolds(request, secret)).toBe(true);
      used.push(generation);
    }
    expect(used[1]).toBeGreaterThan(used[0]!); // the SDK refreshed them, and the fast path followed
    expect(used[1]).toBeLessThanOrEqual(issued);
  });

  it("signs with the environment's credentials when the CLI's client finds them there", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAFROMENV");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret-from-env");
    vi.stubEnv("AWS_SESSION_TOKEN", "token-from-env");
    try {
      const fast = createFastCognitoSender({
        sdk: createCognitoClient({ region: "us-east-1", endpoint }),
        region: "us-east-1",
        endpoint,
      });
      await fast.send(new AdminCreateUserCommand(createInput));
      expect(seen.at(-1)!.headers["x-amz-security-token"]).toBe("token-from-env");
      expect(
        await signatureHolds(seen.at(-1)!, {
          accessKeyId: "AKIAFROMENV",
          secretAccessKey: "secret-from-env",
        }),
      ).toBe(true);
    } finally {
      vi.unstubAllEnvs();
    }
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

describe("the fast transport against cognito-local", () => {
  let cognito: CognitoLocal;
  const dir = mkdtempSync(join(tmpdir(), "r2c-fast-"));
  beforeAll(async () => {
    cognito = await startCognitoLocal({ dataDir: join(dir, "cognito") });
  });
  afterAll(async () => {
    await cognito.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates a user, sets its password and reads it back, and the SDK finds that user", async () => {
    const pool = await createProductionShapedPool(cognito.client(), { name: "fast-sender" });
    const sdk = createCognitoClient({ region: "us-east-1", endpoint: cognito.endpoint });
    const fast = createFastCognitoSender({ sdk, region: "us-east-1", endpoint: cognito.endpoint });
    const created = (await fast.send(
      new AdminCreateUserCommand({
        UserPoolId: pool.userPoolId,
        Username: "fast@example.com",
        MessageAction: "SUPPRESS",
        UserAttributes: [
          { Name: "email", Value: "fast@example.com" },
          { Name: "email_verified", Value: "true" },
        ],
      }),
    )) as { User: { Username: string; UserCreateDate: Date } };
    expect(created.User.UserCreateDate).toBeInstanceOf(Date);
    await fast.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool.userPoolId,
        Username: created.User.Username,
        Password: "A-long-Passw0rd-nobody-knows!",
        Permanent: true,
      }),
    );
    const read = (await fast.send(
      new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: created.User.Username }),
    )) as { UserStatus: string };
    expect(read.UserStatus).toBe("CONFIRMED");
    const listed = await cognito.client().send(new ListUsersCommand({ UserPoolId: pool.userPoolId }));
    expect(listed.Users?.map((user) => user.Username)).toEqual([created.User.Username]);
    sdk.destroy();
  });
});
