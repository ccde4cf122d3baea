import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  InitiateAuthCommand,
  ListUserPoolClientsCommand,
  UpdateUserAttributesCommand,
  UpdateUserPoolClientCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COGNITO_ONLY_ID_PREFIX,
  cognitoPoolInspector,
  createIdentityVerifier,
  type IdentityOptions,
  realmContext,
  realmFunctionHandler,
} from "../src/index.js";
import { MemoryClient } from "../src/memory.js";
import { guardErrorCode, todoRules, trustedClaim } from "./fixtures.js";
import { startTokenIssuer } from "./tokens.js";

/**
 * Identity channel: a user must not be able to choose `%%user.id` or `%%user.data.email`. Each attack
 * first runs as a control (what a claim-trusting guard would have believed), then against the guard.
 */

const decodeClaims = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));

const VICTIM_REALM_ID = "65f0c0ffee00000000000001";
const ATTACKER_REALM_ID = "65f0c0ffee00000000000002";

describe("identity: a user rewrites their id attribute on a pool whose app client does not restrict it", () => {
  let stop: (() => Promise<void>) | undefined;
  let client: CognitoIdentityProviderClient;
  let endpoint = "";
  let userPoolId = "";
  let clientId = "";

  const signIn = async () => {
    const answer = await client.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: "mallory@example.com", PASSWORD: "Corr3ct-horse!" },
      }),
    );
    return answer.AuthenticationResult ?? {};
  };

  const verifier = (overrides: Partial<IdentityOptions> = {}) =>
    createIdentityVerifier({
      userPoolId,
      clientId,
      issuer: `http://localhost:9229/${userPoolId}`,
      jwksUri: `${endpoint}/${userPoolId}/.well-known/jwks.json`,
      realmUserId: {
        kind: "token-claim",
        inspector: cognitoPoolInspector({
          listUserPoolClients: (input) => client.send(new ListUserPoolClientsCommand(input)),
          describeUserPoolClient: (input) => client.send(new DescribeUserPoolClientCommand(input)),
        }),
      },
      ...overrides,
    });

  beforeAll(async () => {
    const { startCognitoLocal, createProductionShapedPool } = await import("@realm-to-cognito/sandbox");
    const cognito = await startCognitoLocal();
    stop = () => cognito.stop();
    endpoint = cognito.endpoint;
    client = cognito.client();
    ({ userPoolId, clientId } = await createProductionShapedPool(client, { name: "guard-adversarial" }));
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: "mallory@example.com",
        MessageAction: "SUPPRESS",
        UserAttributes: [
          { Name: "email", Value: "mallory@example.com" },
          { Name: "email_verified", Value: "true" },
          { Name: "custom:realm_user_id", Value: ATTACKER_REALM_ID },
        ],
      }),
    );
    await client.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: "mallory@example.com",
        Password: "Corr3ct-horse!",
        Permanent: true,
      }),
    );
    const { AccessToken } = await signIn();
    // The attack: UpdateUserAttributes with the user's own access token, as any front end can.
    await client.send(
      new UpdateUserAttributesCommand({
        AccessToken,
        UserAttributes: [{ Name: "custom:realm_user_id", Value: VICTIM_REALM_ID }],
      }),
    );
  });

  afterAll(async () => {
    await stop?.();
  });

  it("control: the new ID token names the victim, so trusting the claim would make the attacker the victim", async () => {
    const { IdToken } = await signIn();
    expect(decodeClaims(IdToken ?? "")["custom:realm_user_id"]).toBe(VICTIM_REALM_ID);
  });

  it("refuses to start (IDENTITY_UNTRUSTED) while an app client can write the id attributes", async () => {
    const { IdToken } = await signIn();
    const identity = verifier();
    expect(await guardErrorCode(identity.ready())).toBe("IDENTITY_UNTRUSTED");
    expect(await guardErrorCode(identity.verify(IdToken ?? ""))).toBe("IDENTITY_UNTRUSTED");
    const message = await identity.ready().then(
      () => "",
      (error: Error) => error.message,
    );
    expect(message).toContain(clientId);
    expect(message).toContain("WriteAttributes");
  });

  it("starts once every app client's WriteAttributes leave the id attributes out", async () => {
    await client.send(
      new UpdateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientId: clientId,
        WriteAttributes: ["email", "name"],
        ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      }),
    );
    const identity = verifier();
    await identity.ready();
    const { IdToken } = await signIn();
    // The attribute written before the lock is still there: the deployment must lock the pool before
    // users can sign in (doctor checks it), which is why the guard refuses to start on an open pool.
    expect((await identity.verify(IdToken ?? "")).user.id).toBe(VICTIM_REALM_ID);
  });
});

describe("identity: claims and configurations", () => {
  let issuer: Awaited<ReturnType<typeof startTokenIssuer>>;
  beforeAll(async () => {
    issuer = await startTokenIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });
  const options = (overrides: Partial<IdentityOptions> = {}): IdentityOptions => ({
    userPoolId: issuer.poolId,
    clientId: issuer.clientId,
    issuer: issuer.issuer,
    realmUserId: trustedClaim,
    ...overrides,
  });

  it("refuses to start without a stated identity source", () => {
    const { realmUserId: _none, ...rest } = options();
    let code = "";
    try {
      createIdentityVerifier(rest as IdentityOptions);
    } catch (error) {
      code = (error as { code: string }).code;
    }
    expect(code).toBe("IDENTITY_UNTRUSTED");
  });

  it("uses an email only when the token says it is verified (control: the claim names the victim)", async () => {
    const token = issuer.idToken("u1", { email: "victim@example.com", email_verified: false });
    expect(decodeClaims(token).email).toBe("victim@example.com");
    const identity = await createIdentityVerifier(options()).verify(token);
    expect(identity.user.data.email).toBeUndefined();
    expect(identity.email).toBeUndefined();
    const verified = await createIdentityVerifier(options()).verify(issuer.idToken("u1"));
    expect(verified.user.data.email).toBe("u1@example.com");
  });

  it("drops even a verified email when an app client may write email_verified", async () => {
    const identity = createIdentityVerifier(
      options({
        realmUserId: {
          kind: "token-claim",
          inspector: {
            appClients: async () => [{ clientId: "web", writeAttributes: ["email", "email_verified"] }],
          },
        },
      }),
    );
    expect((await identity.verify(issuer.idToken("u1"))).user.data.email).toBeUndefined();
  });

  it("treats a client without WriteAttributes as writing everything (Cognito's default)", async () => {
    const identity = createIdentityVerifier(
      options({
        realmUserId: {
          kind: "token-claim",
          inspector: {
            appClients: async () => [
              { clientId: "web", writeAttributes: ["email"] },
              { clientId: "legacy", writeAttributes: undefined },
            ],
          },
        },
      }),
    );
    expect(await guardErrorCode(identity.verify(issuer.idToken("u1")))).toBe("IDENTITY_UNTRUSTED");
  });

  it("checks custom:mongo_id as well as custom:realm_user_id", async () => {
    const identity = createIdentityVerifier(
      options({
        realmUserId: {
          kind: "token-claim",
          inspector: { appClients: async () => [{ clientId: "web", writeAttributes: ["custom:mongo_id"] }] },
        },
      }),
    );
    expect(await guardErrorCode(identity.ready())).toBe("IDENTITY_UNTRUSTED");
  });

  it("a resolver keyed by sub ignores the token's id claim entirely", async () => {
    const mapping = new Map([["sub-u1", "u1"]]);
    const identity = createIdentityVerifier(
      options({ realmUserId: { kind: "resolver", resolve: async (sub) => mapping.get(sub) } }),
    );
    const forged = issuer.idToken("u1", { "custom:realm_user_id": "u2" });
    expect(decodeClaims(forged)["custom:realm_user_id"]).toBe("u2");
    expect((await identity.verify(forged)).user.id).toBe("u1");
  });

  it("gives a user without a Realm id `cognito:<sub>`, which no Realm ObjectId can equal", async () => {
    const identity = createIdentityVerifier(options());
    const token = issuer.idToken("x", { "custom:realm_user_id": undefined, sub: "3b1f-uuid" });
    expect((await identity.verify(token)).user.id).toBe("cognito:3b1f-uuid");
    fc.assert(
      fc.property(fc.string(), (sub) => {
        const id = `${COGNITO_ONLY_ID_PREFIX}${sub}`;
        return !/^[0-9a-fA-F]{24}$/.test(id);
      }),
    );
  });

  it("a handler on an open pool answers every request 500 and names the fix to onError only", async () => {
    const errors: unknown[] = [];
    const handler = realmFunctionHandler(async () => "never runs", {
      identity: createIdentityVerifier(
        options({
          realmUserId: {
            kind: "token-claim",
            inspector: { appClients: async () => [{ clientId: "web", writeAttributes: undefined }] },
          },
        }),
      ),
      rules: todoRules,
      services: { "mongodb-atlas": new MemoryClient() },
      onError: (error) => errors.push(error),
    });
    const answer = await handler({
      headers: { authorization: `Bearer ${issuer.idToken("u1")}` },
      body: "{}",
    });
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain("never runs");
    expect((errors[0] as { code: string }).code).toBe("IDENTITY_UNTRUSTED");
  });

  it("the handler passes userValueArrays through: strict unless the deployment opts in", async () => {
    const client = new MemoryClient();
    client
      .db("todo")
      .collection("items")
      .documents.push({ _id: "planted", owner_id: ["u2", "u1"], secret: "S-planted" });
    const run = (userValueArrays?: "realm") =>
      realmFunctionHandler(
        async () =>
          realmContext().services.get("mongodb-atlas").db("todo").collection("items").find({}).toArray(),
        {
          identity: createIdentityVerifier(options()),
          rules: todoRules,
          services: { "mongodb-atlas": client },
          ...(userValueArrays ? { userValueArrays } : {}),
        },
      )({ headers: { authorization: `Bearer ${issuer.idToken("u1")}` }, body: "{}" });
    expect((await run()).body).toBe("[]");
    expect((await run("realm")).body).toContain("S-planted");
  });

  it("refuses an id claim that poses as a Cognito-only id", async () => {
    const identity = createIdentityVerifier(options());
    const token = issuer.idToken("cognito:sub-u2");
    expect(await guardErrorCode(identity.verify(token))).toBe("USER_ID_MISSING");
  });
});
