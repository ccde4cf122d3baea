// End to end through the sandbox: the real bundles in the Lambda bridge's worker threads, cognito-local
// with the UserMigration trigger configured, a production-shaped pool, the AWS SDK v3 client.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { fromAttributeList } from "@realm-to-cognito/core";
import { AuthClient } from "@realm-to-cognito/realm";
import {
  type AppServicesEmulator,
  type CognitoAdminShim,
  type CognitoLocal,
  createProductionShapedPool,
  type FunctionUrlGateway,
  forgotPasswordMigrationEvent,
  type LambdaBridge,
  startAppServicesEmulator,
  startCognitoAdminShim,
  startCognitoLocal,
  startFunctionUrlGateway,
  startLambdaBridge,
  USER_MIGRATION_FUNCTION,
} from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundles, type TriggerBundles } from "../src/build.js";
import {
  closedPortUrl,
  collectingStream,
  emulatorAdmin,
  startHangingServer,
  startSecretsExtension,
} from "./support.js";

const KNOWN_TOKEN = "known-bearer-token-6f1d2c";
const DEADLINE_MS = 800;
const RESPONSE_MS = 1500;
/** Re-sync refuses a `stale` user this long after the reset request (a deployment: Realm's 30 minutes). */
const RESET_LINK_MS = 4000;
const users = {
  alice: { email: "alice@example.com", password: "Alice-pass-1!" },
  admin: { email: "admin-flow@example.com", password: "Admin-flow-2!" },
  drifting: { email: "drift@example.com", password: "Drift-before-3!" },
  resetting: { email: "reset@example.com", password: "Reset-pass-4!" },
  untouched: { email: "untouched@example.com", password: "Untouched-5!" },
  weak: { email: "weak@example.com", password: "weakpassword11" },
  down: { email: "down@example.com", password: "Down-pass-6!" },
  disabled: { email: "disabled@example.com", password: "Disabled-7!" },
  pending: { email: "pending@example.com", password: "Pending-pass-8!" },
};
const NEW_PASSWORD = "Drift-after-9!";
const COGNITO_NATIVE = { email: "native@example.com", password: "Native-pass-10!" };

let workDir: string;
let realm: AppServicesEmulator;
let bundles: TriggerBundles;
let bridge: LambdaBridge;
let cognito: CognitoLocal;
let shim: CognitoAdminShim;
let api: FunctionUrlGateway;
let client: CognitoIdentityProviderClient;
let pool: { userPoolId: string; clientId: string };
let hanging: Awaited<ReturnType<typeof startHangingServer>>;
const output = collectingStream();
const cognitoTokens: string[] = [];

function triggerEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    MIGRATION_MODE: "realm-primary",
    REALM_APP_ID: realm.appId,
    REALM_BASE_URL: realm.baseUrl,
    REALM_TIMEOUT_MS: String(DEADLINE_MS),
    LOG_LEVEL: "debug",
    ...overrides,
  };
}

function endpointEnv(): Record<string, string> {
  return {
    ...triggerEnv(),
    COGNITO_USER_POOL_ID: pool.userPoolId,
    COGNITO_REGION: "us-east-1",
    COGNITO_ENDPOINT: shim.endpoint, // cognito-local, plus AdminUserGlobalSignOut (emulator-only)
    COGNITO_CLIENT_ID: pool.clientId,
    ENDPOINT_RESPONSE_MS: String(RESPONSE_MS),
    RESET_TOKEN_LIFETIME_MS: String(RESET_LINK_MS),
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SESSION_TOKEN: "local-session",
  };
}

/** Runs `check` with the trigger deployed on `overrides`, then deploys it back on the usual settings. */
async function withTriggerEnv(overrides: Record<string, string>, check: () => Promise<void>): Promise<void> {
  const deploy = (env: Record<string, string>) =>
    bridge.register(USER_MIGRATION_FUNCTION, { modulePath: bundles.userMigration, env });
  await deploy(triggerEnv(overrides));
  try {
    await check();
  } finally {
    await deploy(triggerEnv());
  }
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "trigger-e2e-"));
  realm = await startAppServicesEmulator();
  const admin = emulatorAdmin(realm);
  for (const user of Object.values(users))
    if (user !== users.pending) await admin.createUser(user.email, user.password);
  const disabled = (await admin.listUsers()).find((user) => user.data.email === users.disabled.email);
  if (disabled) await admin.disableUser(disabled.id);
  await new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl }).register(
    users.pending.email,
    users.pending.password,
  );
  hanging = await startHangingServer();
  bundles = await buildBundles({ outDir: path.join(workDir, "dist") });
  bridge = await startLambdaBridge({ handlerOutput: output.stream });
  cognito = await startCognitoLocal({
    lambdaEndpoint: bridge.endpoint,
    userMigrationFunction: USER_MIGRATION_FUNCTION,
  });
  shim = await startCognitoAdminShim({ cognitoEndpoint: cognito.endpoint });
  client = cognito.client();
  pool = await createProductionShapedPool(client);
  await bridge.register(USER_MIGRATION_FUNCTION, { modulePath: bundles.userMigration, env: triggerEnv() });
  await bridge.register("password-reset-requested", {
    modulePath: bundles.passwordResetRequested,
    env: endpointEnv(),
  });
  await bridge.register("resync-password", { modulePath: bundles.resyncPassword, env: endpointEnv() });
  api = await startFunctionUrlGateway({
    bridge,
    routes: {
      "POST /password-reset-requested": "password-reset-requested",
      "POST /resync-password": "resync-password",
    },
  });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await shim?.stop();
  await cognito?.stop();
  await bridge?.stop();
  await hanging?.stop();
  await realm?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function signIn(email: string, password: string) {
  const result = await client.send(
    new InitiateAuthCommand({
      ClientId: pool.clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: email, PASSWORD: password },
      ClientMetadata: { token: KNOWN_TOKEN },
    }),
  );
  const tokens = result.AuthenticationResult;
  for (const token of [tokens?.AccessToken, tokens?.IdToken, tokens?.RefreshToken])
    if (token) cognitoTokens.push(token);
  return tokens;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  return "no error";
}

async function cognitoUser(email: string) {
  try {
    const user = await client.send(new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: email }));
    return {
      username: user.Username,
      status: user.UserStatus,
      attributes: fromAttributeList(user.UserAttributes),
    };
  } catch (error) {
    if ((error as Error).name === "UserNotFoundException") return undefined;
    throw error;
  }
}

function claims(jwt: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt?.split(".")[1] ?? "", "base64url").toString("utf8"));
}

async function post(route: string, body: unknown) {
  const response = await fetch(`${api.baseUrl}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KNOWN_TOKEN}` },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const invocations = () => bridge.invocations(USER_MIGRATION_FUNCTION);

describe("signing in to Cognito with a Realm password", () => {
  it("migrates on the first sign-in and answers from Cognito alone on the second", async () => {
    const before = invocations();
    const tokens = await signIn(users.alice.email, users.alice.password);
    expect(tokens?.IdToken).toEqual(expect.any(String));
    expect(invocations()).toBe(before + 1);
    const realmSession = await new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl }).login(
      users.alice.email,
      users.alice.password,
    );
    const user = await cognitoUser(users.alice.email);
    expect(user?.status).toBe("CONFIRMED");
    expect(user?.attributes).toMatchObject({
      email: users.alice.email,
      email_verified: "true",
      "custom:realm_user_id": realmSession.userId,
    });
    expect(claims(tokens?.IdToken)["custom:realm_user_id"]).toBe(realmSession.userId);
    await signIn(users.alice.email, users.alice.password);
    expect(invocations()).toBe(before + 1);
  });

  it.each([
    ["a wrong password", users.untouched.email, "Wrong-pass-1!"],
    ["an unknown user", "nobody@example.com", "Nobody-pass-1!"],
    ["a disabled user", users.disabled.email, users.disabled.password],
    ["a pending (unconfirmed) user", users.pending.email, users.pending.password],
  ])("refuses %s and creates no user", async (_name, email, password) => {
    const before = invocations();
    expect(await failure(signIn(email, password))).toBe("NotAuthorizedException");
    expect(invocations()).toBe(before + 1);
    expect(await cognitoUser(email)).toBeUndefined();
  });

  it("refuses within the deadline and creates nothing when Realm is down", async () => {
    await withTriggerEnv({ REALM_BASE_URL: await closedPortUrl() }, async () => {
      const started = performance.now();
      expect(await failure(signIn(users.down.email, users.down.password))).toBe("NotAuthorizedException");
      expect(performance.now() - started).toBeLessThan(DEADLINE_MS + 2000);
      expect(await cognitoUser(users.down.email)).toBeUndefined();
    });
  });

  it("refuses within the deadline and creates nothing when Realm hangs", async () => {
    await withTriggerEnv({ REALM_BASE_URL: hanging.url }, async () => {
      const started = performance.now();
      expect(await failure(signIn(users.down.email, users.down.password))).toBe("NotAuthorizedException");
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      expect(elapsed).toBeLessThan(DEADLINE_MS + 2000);
      expect(await cognitoUser(users.down.email)).toBeUndefined();
    });
  });

  it("migrates a password that breaks the policy as RESET_REQUIRED, so Cognito asks for a new one", async () => {
    expect(await failure(signIn(users.weak.email, users.weak.password))).toBe(
      "PasswordResetRequiredException",
    );
    expect((await cognitoUser(users.weak.email))?.status).toBe("RESET_REQUIRED");
  });

  it("migrates through ADMIN_USER_PASSWORD_AUTH too", async () => {
    const before = invocations();
    const result = await client.send(
      new AdminInitiateAuthCommand({
        UserPoolId: pool.userPoolId,
        ClientId: pool.clientId,
        AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: users.admin.email, PASSWORD: users.admin.password },
      }),
    );
    expect(result.AuthenticationResult?.IdToken).toEqual(expect.any(String));
    expect(invocations()).toBe(before + 1);
    expect((await cognitoUser(users.admin.email))?.status).toBe("CONFIRMED");
  });
});

describe("POST /password-reset-requested", () => {
  it("keeps the migrated user and its sub, makes the old password useless, and the first sign-in after the reset link expires heals", async () => {
    await signIn(users.resetting.email, users.resetting.password);
    const before = await cognitoUser(users.resetting.email);
    expect(before?.attributes["custom:migration_state"]).toBe("realm-password");
    const started = performance.now();
    const answer = await post("/password-reset-requested", { email: users.resetting.email });
    expect(performance.now() - started).toBeGreaterThanOrEqual(RESPONSE_MS - 5);
    expect(answer).toEqual({ status: 202, body: { status: "accepted" } });
    const after = await cognitoUser(users.resetting.email);
    // cognito-local gives a migrated user its uuid as Username and no `sub` attribute; in Cognito they are one.
    expect(after?.username).toBe(before?.username);
    expect(after?.attributes.sub).toBe(before?.attributes.sub);
    expect(after?.attributes["custom:realm_user_id"]).toBe(before?.attributes["custom:realm_user_id"]);
    expect(after?.attributes["custom:migration_state"]).toBe("stale");
    expect(shim.signOuts).toContain(`${pool.userPoolId}/${before?.username}`);
    // The old password no longer opens Cognito, though Realm still takes it until the user resets.
    expect(["NotAuthorizedException", "InvalidPasswordException"]).toContain(
      await failure(signIn(users.resetting.email, users.resetting.password)),
    );
    // The endpoint made Realm's reset request: the user follows the mail, then signs in with the new password.
    const mail = realm.outbox.latest(users.resetting.email, "reset");
    if (!mail) throw new Error("the endpoint sent no reset mail");
    const realmClient = new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl });
    await realmClient.resetPassword(mail.token, mail.tokenId, "Reset-after-11!");
    const resync = () =>
      post("/resync-password", { email: users.resetting.email, password: "Reset-after-11!" });
    // While Realm's link may still be used, re-sync cannot tell the new password from the one replaced.
    const requestedAt = Date.parse(after?.attributes["custom:reset_requested_at"] ?? "");
    expect(Date.now()).toBeLessThan(requestedAt + RESET_LINK_MS);
    expect(await resync()).toEqual({ status: 401, body: { status: "refused" } });
    await new Promise((resolve) => setTimeout(resolve, requestedAt + RESET_LINK_MS + 200 - Date.now()));
    expect(await resync()).toEqual({ status: 200, body: { status: "resynced" } });
    expect((await signIn(users.resetting.email, "Reset-after-11!"))?.IdToken).toEqual(expect.any(String));
    const healed = await cognitoUser(users.resetting.email);
    expect(healed?.username).toBe(before?.username);
    expect(healed?.attributes["custom:migration_state"]).toBe("realm-password");
  });

  it("never deletes a user who signed up in Cognito, and answers the same", async () => {
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId: pool.userPoolId,
        Username: COGNITO_NATIVE.email,
        UserAttributes: [
          { Name: "email", Value: COGNITO_NATIVE.email },
          { Name: "email_verified", Value: "true" },
        ],
        MessageAction: "SUPPRESS",
      }),
    );
    const answer = await post("/password-reset-requested", { email: COGNITO_NATIVE.email });
    expect(answer).toEqual({ status: 202, body: { status: "accepted" } });
    expect(await cognitoUser(COGNITO_NATIVE.email)).toBeDefined();
  });

  it("answers an unknown email exactly like a known one, and a bad body with 400", async () => {
    expect(await post("/password-reset-requested", { email: "ghost@example.com" })).toEqual({
      status: 202,
      body: { status: "accepted" },
    });
    const bad = await post("/password-reset-requested", "{not json");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("JSON");
  });
});

describe("POST /resync-password", () => {
  it("gives Cognito the new password after a reset in Realm", async () => {
    await signIn(users.drifting.email, users.drifting.password);
    const realmClient = new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl });
    await realmClient.sendResetPasswordEmail(users.drifting.email);
    const mail = realm.outbox.latest(users.drifting.email, "reset");
    if (!mail) throw new Error("no reset mail in the outbox");
    await realmClient.resetPassword(mail.token, mail.tokenId, NEW_PASSWORD);
    const stale = await failure(signIn(users.drifting.email, NEW_PASSWORD));
    expect(["NotAuthorizedException", "InvalidPasswordException"]).toContain(stale); // cognito-local: the latter
    const answer = await post("/resync-password", { email: users.drifting.email, password: NEW_PASSWORD });
    expect(answer).toEqual({ status: 200, body: { status: "resynced" } });
    expect((await signIn(users.drifting.email, NEW_PASSWORD))?.IdToken).toEqual(expect.any(String));
    expect(await post("/resync-password", { email: users.drifting.email, password: NEW_PASSWORD })).toEqual({
      status: 200,
      body: { status: "unchanged" },
    });
  });

  it("refuses a wrong password, an unknown user and a Cognito-native user with one identical 401", async () => {
    const answers = [
      await post("/resync-password", { email: users.drifting.email, password: "Wrong-pass-1!" }),
      await post("/resync-password", { email: "ghost@example.com", password: "Ghost-pass-1!" }),
      await post("/resync-password", { email: COGNITO_NATIVE.email, password: COGNITO_NATIVE.password }),
    ];
    for (const answer of answers) expect(answer).toEqual({ status: 401, body: { status: "refused" } });
    await client.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool.userPoolId,
        Username: COGNITO_NATIVE.email,
        Password: COGNITO_NATIVE.password,
        Permanent: true,
      }),
    );
    expect(
      await post("/resync-password", { email: COGNITO_NATIVE.email, password: COGNITO_NATIVE.password }),
    ).toEqual({
      status: 401,
      body: { status: "refused" },
    });
  });

  it("leaves a Realm user who is not in Cognito yet to the next sign-in", async () => {
    const answer = await post("/resync-password", {
      email: users.untouched.email,
      password: users.untouched.password,
    });
    expect(answer).toEqual({ status: 200, body: { status: "not-migrated" } });
    expect(await cognitoUser(users.untouched.email)).toBeUndefined();
  });
});

describe("forgot password in cognito-primary with the Admin API key in Secrets Manager", () => {
  // cognito-local never sends UserMigration_ForgotPassword: the event goes to the bridge directly.
  const forgotPassword = (email: string) =>
    bridge.invoke(
      USER_MIGRATION_FUNCTION,
      forgotPasswordMigrationEvent({ userPoolId: pool.userPoolId, clientId: pool.clientId, email }),
    ) as Promise<{ response: { finalUserStatus: string; userAttributes: Record<string, string> } }>;
  const SESSION_TOKEN = "lambda-session-token-5e0c";
  const SECRET_ID = "arn:aws:secretsmanager:us-east-1:000000000000:secret:realm-admin-AbCdEf";
  const directoryEnv = (port: number, sessionToken: string) => ({
    MIGRATION_MODE: "cognito-primary",
    USER_DIRECTORY: "admin-api",
    REALM_ADMIN_BASE_URL: realm.adminBaseUrl,
    REALM_GROUP_ID: realm.groupId,
    REALM_APP_OBJECT_ID: realm.appObjectId,
    REALM_ADMIN_PUBLIC_KEY: realm.apiKey.publicKey,
    REALM_ADMIN_PRIVATE_KEY_SECRET: SECRET_ID,
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port),
    AWS_SESSION_TOKEN: sessionToken,
  });

  it("reads the key once through the extension and finds the user", async () => {
    const extension = await startSecretsExtension({
      token: SESSION_TOKEN,
      secrets: { [SECRET_ID]: JSON.stringify({ privateKey: realm.apiKey.privateKey }) },
    });
    try {
      await withTriggerEnv(directoryEnv(extension.port, SESSION_TOKEN), async () => {
        const answer = await forgotPassword(users.untouched.email);
        expect(answer.response.finalUserStatus).toBe("RESET_REQUIRED");
        expect(answer.response.userAttributes.email).toBe(users.untouched.email);
        await forgotPassword(users.alice.email);
        expect(extension.requests).toEqual(["/secretsmanager/get"]);
      });
    } finally {
      await extension.stop();
    }
  });

  it("refuses, logs an error naming the cause and keeps the key out of it, when the extension says no", async () => {
    const extension = await startSecretsExtension({
      token: SESSION_TOKEN,
      secrets: { [SECRET_ID]: realm.apiKey.privateKey },
    });
    const logStart = output.text().length;
    try {
      await withTriggerEnv(directoryEnv(extension.port, "another-session"), async () => {
        await expect(forgotPassword(users.untouched.email)).rejects.toThrow(
          "Incorrect username or password.",
        );
      });
      // The same function with the right token recovers: a failed read is not kept.
      await withTriggerEnv(directoryEnv(extension.port, SESSION_TOKEN), async () => {
        expect((await forgotPassword(users.untouched.email)).response.finalUserStatus).toBe("RESET_REQUIRED");
      });
    } finally {
      await extension.stop();
    }
    const lines = output
      .text()
      .slice(logStart)
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: number; reason?: string; err?: { message?: string } });
    const refusal = lines.find((line) => line.reason === "directory-unavailable");
    expect(refusal?.level).toBe(50);
    expect(refusal?.err?.message).toContain("answered HTTP 401");
    expect(output.text()).not.toContain(realm.apiKey.privateKey);
    expect(output.text()).not.toContain(SESSION_TOKEN);
  });
});

describe("the bundles' own output", () => {
  it("logged every path without a password or a token", () => {
    const text = output.text();
    expect(text).toContain('"outcome":"migrated"');
    expect(text).toContain('"outcome":"refused"');
    expect(text).toContain('"outcome":"scrambled"');
    expect(text).toContain('"outcome":"resynced"');
    const secrets = [
      ...Object.values(users).map((user) => user.password),
      NEW_PASSWORD,
      COGNITO_NATIVE.password,
      "Wrong-pass-1!",
      KNOWN_TOKEN,
      ...cognitoTokens,
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
