import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearerToken, createIdentityVerifier, GuardError, type IdentityVerifier } from "../src/index.js";
import { guardErrorCode, trustedClaim } from "./fixtures.js";

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

function sign(
  payload: Record<string, unknown>,
  key: KeyObject,
  header: Record<string, unknown> = { alg: "RS256", kid: "k1", typ: "JWT" },
): string {
  const body = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = createSign("RSA-SHA256").update(body).sign(key);
  return `${body}.${base64url(signature)}`;
}

describe("tokens signed by a local key set", () => {
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const poolId = "us-east-1_LocalPool";
  const clientId = "client-web";
  let server: Server;
  let issuer: string;
  let fetches = 0;
  let verifier: IdentityVerifier;

  const claims = (overrides: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return {
      sub: "0f6a-sub",
      email: "ada@example.com",
      email_verified: true,
      "cognito:groups": ["editors"],
      "custom:realm_user_id": "65f0c0ffee0000000000abcd",
      token_use: "id",
      aud: clientId,
      iss: issuer,
      iat: now,
      exp: now + 600,
      ...overrides,
    };
  };

  beforeAll(async () => {
    const jwk = { ...keys.publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" };
    server = createServer((request, response) => {
      if (request.url === `/${poolId}/.well-known/jwks.json`) {
        fetches++;
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${poolId}`;
    verifier = createIdentityVerifier({ userPoolId: poolId, clientId, issuer, realmUserId: trustedClaim });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("derives the Realm user from a valid ID token's claims", async () => {
    const identity = await verifier.verify(sign(claims(), keys.privateKey));
    expect(identity.user).toMatchObject({
      id: "65f0c0ffee0000000000abcd",
      type: "normal",
      data: { email: "ada@example.com", groups: ["editors"] },
    });
    expect(identity).toMatchObject({
      sub: "0f6a-sub",
      email: "ada@example.com",
      groups: ["editors"],
      tokenUse: "id",
    });
  });

  it("fetches the key set once and caches it", async () => {
    const before = fetches;
    await verifier.verify(sign(claims(), keys.privateKey));
    await verifier.verify(sign(claims(), keys.privateKey));
    expect(fetches - before).toBe(0);
  });

  it("uses sub as the id of a user who never had a Realm id, or refuses when told to", async () => {
    const token = sign(claims({ "custom:realm_user_id": undefined }), keys.privateKey);
    expect((await verifier.verify(token)).user.id).toBe("cognito:0f6a-sub");
    const strict = createIdentityVerifier({
      userPoolId: poolId,
      clientId,
      issuer,
      realmUserId: trustedClaim,
      whenNoRealmUserId: "refuse",
    });
    expect(await guardErrorCode(strict.verify(token))).toBe("USER_ID_MISSING");
  });

  it("accepts access tokens only with a lookup for the Realm user id", async () => {
    expect(() =>
      createIdentityVerifier({
        userPoolId: poolId,
        clientId,
        issuer,
        tokenUse: "access",
        realmUserId: trustedClaim,
      }),
    ).toThrow(GuardError);
    const lookups: unknown[] = [];
    const accessVerifier = createIdentityVerifier({
      userPoolId: poolId,
      clientId,
      issuer,
      tokenUse: "access",
      realmUserId: {
        kind: "resolver",
        resolve: async (sub, verified) => {
          lookups.push([sub, verified.username]);
          return "realm-from-lookup";
        },
      },
    });
    const access = sign(
      claims({
        token_use: "access",
        aud: undefined,
        client_id: clientId,
        username: "ada",
        "custom:realm_user_id": undefined,
      }),
      keys.privateKey,
    );
    expect((await accessVerifier.verify(access)).user.id).toBe("realm-from-lookup");
    expect(lookups).toEqual([["0f6a-sub", "ada"]]);
  });

  const forgeries: [string, () => string][] = [
    ["an expired token", () => sign(claims({ exp: Math.floor(Date.now() / 1000) - 5 }), keys.privateKey)],
    [
      "a token from another pool",
      () => sign(claims({ iss: issuer.replace(poolId, "us-east-1_Other") }), keys.privateKey),
    ],
    ["a token for another client", () => sign(claims({ aud: "another-client" }), keys.privateKey)],
    [
      "an access token where an ID token is expected",
      () => sign(claims({ token_use: "access", aud: undefined, client_id: clientId }), keys.privateKey),
    ],
    ["a token without token_use", () => sign(claims({ token_use: undefined }), keys.privateKey)],
    [
      "a token with alg none",
      () =>
        `${base64url(JSON.stringify({ alg: "none", kid: "k1" }))}.${base64url(JSON.stringify(claims()))}.`,
    ],
    [
      "a tampered payload",
      () => {
        const [header, , signature] = sign(claims(), keys.privateKey).split(".");
        return `${header}.${base64url(JSON.stringify(claims({ "custom:realm_user_id": "someone-else" })))}.${signature}`;
      },
    ],
    ["a bad signature", () => sign(claims(), stranger.privateKey)],
    [
      "a token signed with an unknown key id",
      () => sign(claims(), keys.privateKey, { alg: "RS256", kid: "k2" }),
    ],
    ["a token with an HMAC algorithm", () => sign(claims(), keys.privateKey, { alg: "HS256", kid: "k1" })],
    ["not a token at all", () => "not.a.token"],
  ];

  for (const [name, forge] of forgeries) {
    it(`refuses ${name}`, async () => {
      expect(await guardErrorCode(verifier.verify(forge()))).toBe("TOKEN_INVALID");
    });
  }

  it("keeps the refused token's claims out of the error, its cause included, for any logger", async () => {
    for (const [name, forge] of forgeries) {
      const error = await verifier.verify(forge()).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, name).toBeInstanceOf(GuardError);
      const seen = inspect(error, { depth: 10, showHidden: true });
      expect(seen, name).not.toContain("ada@example.com");
      expect(seen, name).not.toContain("65f0c0ffee0000000000abcd");
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error)), name).not.toContain("ada@example.com");
    }
  });

  it("reads the bearer token from the Authorization header only", () => {
    expect(bearerToken("Bearer a.b.c")).toBe("a.b.c");
    expect(() => bearerToken(undefined)).toThrow(GuardError);
    expect(() => bearerToken("Basic dXNlcjpwYXNz")).toThrow(GuardError);
    expect(() => bearerToken("Bearer a.b.c extra")).toThrow(GuardError);
  });
});

describe("the production verifier (CognitoJwtVerifier)", () => {
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const userPoolId = "eu-west-1_Prod123";
  const clientId = "prod-client";
  const jwks = {
    keys: [{ ...keys.publicKey.export({ format: "jwk" }), kid: "p1", alg: "RS256", use: "sig" }],
  };
  const token = (overrides: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      sub: "s",
      "custom:realm_user_id": "r1",
      token_use: "id",
      aud: clientId,
      iat: now,
      exp: now + 60,
      ...overrides,
    };
    return sign(payload, keys.privateKey, { alg: "RS256", kid: "p1" });
  };
  const verifier = createIdentityVerifier({
    userPoolId,
    clientId,
    jwks: jwks as never,
    realmUserId: trustedClaim,
  });

  it("accepts a token from the pool's real Cognito issuer", async () => {
    const identity = await verifier.verify(
      token({ iss: `https://cognito-idp.eu-west-1.amazonaws.com/${userPoolId}` }),
    );
    expect(identity.user.id).toBe("r1");
  });

  it("refuses the same token carrying cognito-local's issuer", async () => {
    expect(await guardErrorCode(verifier.verify(token({ iss: `http://localhost:9229/${userPoolId}` })))).toBe(
      "TOKEN_INVALID",
    );
  });

  it("refuses an access token where the ID token is expected", async () => {
    const iss = `https://cognito-idp.eu-west-1.amazonaws.com/${userPoolId}`;
    const access = token({ iss, token_use: "access", aud: undefined, client_id: clientId });
    expect(await guardErrorCode(verifier.verify(access))).toBe("TOKEN_INVALID");
  });
});

describe("tokens issued by cognito-local", () => {
  let stop: (() => Promise<void>) | undefined;
  let endpoint = "";
  let userPoolId = "";
  let clientId = "";
  let idToken = "";
  let accessToken = "";
  let otherPoolToken = "";

  beforeAll(async () => {
    const { startCognitoLocal, createProductionShapedPool } = await import("@realm-to-cognito/sandbox");
    const cognito = await startCognitoLocal();
    stop = () => cognito.stop();
    endpoint = cognito.endpoint;
    const client = cognito.client();
    ({ userPoolId, clientId } = await createProductionShapedPool(client, { name: "guard-pool" }));
    const other = await createProductionShapedPool(client, { name: "guard-other" });
    const signIn = async (pool: string, appClient: string, email: string) => {
      await client.send(
        new AdminCreateUserCommand({
          UserPoolId: pool,
          Username: email,
          MessageAction: "SUPPRESS",
          UserAttributes: [
            { Name: "email", Value: email },
            { Name: "email_verified", Value: "true" },
            { Name: "custom:realm_user_id", Value: "65f0c0ffee0000000000beef" },
          ],
        }),
      );
      await client.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: pool,
          Username: email,
          Password: "Corr3ct-horse!",
          Permanent: true,
        }),
      );
      const answer = await client.send(
        new InitiateAuthCommand({
          ClientId: appClient,
          AuthFlow: "USER_PASSWORD_AUTH",
          AuthParameters: { USERNAME: email, PASSWORD: "Corr3ct-horse!" },
        }),
      );
      return answer.AuthenticationResult ?? {};
    };
    const tokens = await signIn(userPoolId, clientId, "grace@example.com");
    idToken = tokens.IdToken ?? "";
    accessToken = tokens.AccessToken ?? "";
    otherPoolToken = (await signIn(other.userPoolId, other.clientId, "mallory@example.com")).IdToken ?? "";
  });

  afterAll(async () => {
    await stop?.();
  });

  const localVerifier = (overrides: { clientId?: string } = {}) =>
    createIdentityVerifier({
      userPoolId,
      clientId: overrides.clientId ?? clientId,
      // cognito-local writes this issuer whatever port it listens on.
      issuer: `http://localhost:9229/${userPoolId}`,
      jwksUri: `${endpoint}/${userPoolId}/.well-known/jwks.json`,
      realmUserId: trustedClaim,
    });

  it("verifies a real ID token and maps custom:realm_user_id to the user id", async () => {
    const identity = await localVerifier().verify(idToken);
    expect(identity.user.id).toBe("65f0c0ffee0000000000beef");
    expect(identity.email).toBe("grace@example.com");
  });

  it("refuses its access token where the ID token is expected", async () => {
    expect(await guardErrorCode(localVerifier().verify(accessToken))).toBe("TOKEN_INVALID");
  });

  it("refuses a token from another pool signed with the same emulator key", async () => {
    expect(await guardErrorCode(localVerifier().verify(otherPoolToken))).toBe("TOKEN_INVALID");
  });

  it("refuses a token issued to another client", async () => {
    expect(await guardErrorCode(localVerifier({ clientId: "someone-elses-client" }).verify(idToken))).toBe(
      "TOKEN_INVALID",
    );
  });
});
