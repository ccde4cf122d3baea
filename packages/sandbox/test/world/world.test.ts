import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { AuthClient, RealmRejectedError } from "@realm-to-cognito/realm";
import { buildBundles, type TriggerBundles } from "@realm-to-cognito/trigger/build";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forgotPasswordMigrationEvent, USER_MIGRATION_FUNCTION } from "../../src/cognito/index.js";
import { type SandboxWorld, startSandboxWorld } from "../../src/world.js";

type DemoUser = ReturnType<SandboxWorld["describe"]>["users"][number];

function userIn(world: SandboxWorld, state: string, nth = 0): DemoUser {
  const user = world.describe().users.filter((candidate) => candidate.state === state)[nth];
  if (!user) throw new Error(`the seed has no ${state} demo user #${nth}`);
  return user;
}

async function cognitoUser(client: CognitoIdentityProviderClient, world: SandboxWorld, email: string) {
  try {
    const user = await client.send(
      new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: email }),
    );
    return Object.fromEntries((user.UserAttributes ?? []).map(({ Name, Value }) => [Name, Value]));
  } catch (error) {
    if ((error as Error).name === "UserNotFoundException") return undefined;
    throw error;
  }
}

// Both worlds of this file host the same bundles: build them once.
let bundleDirectory: string;
let bundles: TriggerBundles;

beforeAll(async () => {
  bundleDirectory = await mkdtemp(join(tmpdir(), "world-bundles-"));
  bundles = await buildBundles({ outDir: bundleDirectory });
});

afterAll(async () => {
  await rm(bundleDirectory, { recursive: true, force: true });
});

describe("the sandbox world in realm-primary mode", () => {
  let world: SandboxWorld;
  let cognito: CognitoIdentityProviderClient;
  let realm: AuthClient;

  const signInToCognito = (email: string, password: string) =>
    cognito.send(
      new InitiateAuthCommand({
        ClientId: world.clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
  const post = (path: string, body: unknown) =>
    fetch(`${world.api.baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    world = await startSandboxWorld({ seedUsers: 20, handlerOutput: null, bundles });
    cognito = world.cognito.client();
    realm = new AuthClient({ appId: world.realm.appId, baseUrl: world.realm.baseUrl });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("describes itself with exactly the keys of the --json line", () => {
    const description = world.describe();
    expect(Object.keys(description)).toEqual(["realm", "cognito", "lambda", "users"]);
    expect(Object.keys(description.realm)).toEqual([
      "baseUrl",
      "appId",
      "adminBaseUrl",
      "groupId",
      "appObjectId",
      "apiKey",
    ]);
    expect(Object.keys(description.realm.apiKey)).toEqual(["publicKey", "privateKey"]);
    expect(Object.keys(description.cognito)).toEqual(["endpoint", "region", "userPoolId", "clientId"]);
    expect(Object.keys(description.lambda)).toEqual(["endpoint"]);
    expect(description.users.length).toBeGreaterThan(0);
    for (const user of description.users) expect(Object.keys(user)).toEqual(["email", "password", "state"]);
  });

  it("has a production-shaped pool in cognito-local", async () => {
    const { UserPool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: world.userPoolId }));
    expect(UserPool?.UsernameAttributes).toEqual(["email"]);
    expect(UserPool?.LambdaConfig?.UserMigration).toContain(USER_MIGRATION_FUNCTION);
  });

  it("migrates a Realm user on their first Cognito sign-in through the real trigger bundle", async () => {
    const ada = userIn(world, "active");
    const session = await realm.login(ada.email, ada.password);
    const before = world.bridge.invocations(USER_MIGRATION_FUNCTION);
    const { AuthenticationResult } = await signInToCognito(ada.email, ada.password);
    expect(AuthenticationResult?.IdToken).toBeTruthy();
    expect(world.bridge.invocations(USER_MIGRATION_FUNCTION)).toBe(before + 1);
    const attributes = await cognitoUser(cognito, world, ada.email);
    expect(attributes).toMatchObject({
      email: ada.email,
      email_verified: "true",
      "custom:realm_user_id": session.userId,
    });
    expect(attributes?.["custom:mongo_id"]).toMatch(/^[0-9a-f]{24}$/);
  });

  it("refuses a wrong password in Realm and in Cognito, and creates no Cognito user", async () => {
    const grace = userIn(world, "active", 1);
    await expect(realm.login(grace.email, `${grace.password}x`)).rejects.toBeInstanceOf(RealmRejectedError);
    await expect(signInToCognito(grace.email, `${grace.password}x`)).rejects.toMatchObject({
      name: "NotAuthorizedException",
    });
    expect(await cognitoUser(cognito, world, grace.email)).toBeUndefined();
  });

  it("refuses a disabled Realm user in Cognito too", async () => {
    const disabled = userIn(world, "disabled");
    await expect(signInToCognito(disabled.email, disabled.password)).rejects.toMatchObject({
      name: "NotAuthorizedException",
    });
    expect(await cognitoUser(cognito, world, disabled.email)).toBeUndefined();
  });

  it("re-syncs a migrated user's password through the gateway, and refuses a wrong one with 401", async () => {
    const ada = userIn(world, "active");
    const right = await post("/resync-password", { email: ada.email, password: ada.password });
    expect(right.status).toBe(200);
    expect(["resynced", "unchanged"]).toContain(((await right.json()) as { status: string }).status);
    const wrong = await post("/resync-password", { email: ada.email, password: "Not-The-Password-1" });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ status: "refused" });
  });

  it("keeps the migrated Cognito user, stale and signed out, when a password reset is requested through the gateway", async () => {
    const linus = userIn(world, "active", 2);
    await signInToCognito(linus.email, linus.password);
    const before = await cognitoUser(cognito, world, linus.email);
    expect(before?.["custom:migration_state"]).toBe("realm-password");
    const response = await post("/password-reset-requested", { email: linus.email });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: "accepted" });
    expect(await cognitoUser(cognito, world, linus.email)).toMatchObject({
      ...before,
      "custom:migration_state": "stale",
    });
    expect(world.cognitoAdmin.signOuts.length).toBe(1);
    await expect(signInToCognito(linus.email, linus.password)).rejects.toBeDefined();
  });

  it("answers a malformed migration API body with 400", async () => {
    const response = await post("/password-reset-requested", { mail: "nobody" });
    expect(response.status).toBe(400);
  });
});

describe("the sandbox world in cognito-primary mode", () => {
  let world: SandboxWorld;

  beforeAll(async () => {
    world = await startSandboxWorld({ mode: "cognito-primary", seedUsers: 8, handlerOutput: null, bundles });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("finds a Realm user for a forgot-password migration through the Admin API directory", async () => {
    // cognito-local never sends UserMigration_ForgotPassword, so the event goes to the bridge directly.
    const ada = userIn(world, "active");
    const answer = (await world.bridge.invoke(
      USER_MIGRATION_FUNCTION,
      forgotPasswordMigrationEvent({
        userPoolId: world.userPoolId,
        clientId: world.clientId,
        email: ada.email,
      }),
    )) as { response: { finalUserStatus: string; userAttributes: Record<string, string> } };
    expect(answer.response.finalUserStatus).toBe("RESET_REQUIRED");
    expect(answer.response.userAttributes.email).toBe(ada.email);
  });

  it("stops with no cognito-local process left", async () => {
    const { pid } = world.cognito;
    await world.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
