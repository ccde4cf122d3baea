import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CognitoLocal,
  createProductionShapedPool,
  startCognitoLocal,
  USER_MIGRATION_FUNCTION,
} from "../../src/cognito/index.js";
import { type LambdaBridge, startLambdaBridge } from "../../src/lambda/index.js";

const PASSWORD = "Correct-Horse-1";

interface MigrationEvent {
  userName: string;
  request: { password?: string };
}

/** A stand-in for the real trigger: one known user, anything else refused by throwing. */
async function migrateAda(event: unknown): Promise<unknown> {
  const { userName, request } = event as MigrationEvent;
  if (userName.toLowerCase() !== "ada@example.com" || request.password !== PASSWORD) {
    throw new Error("Bad password");
  }
  return {
    ...(event as object),
    response: {
      userAttributes: {
        email: "ada@example.com",
        email_verified: "true",
        "custom:realm_user_id": "realm-ada",
        "custom:mongo_id": "65a1b2c3d4e5f60718293a4b",
      },
      finalUserStatus: "CONFIRMED",
      messageAction: "SUPPRESS",
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

describe("cognito-local with the Lambda bridge as its Lambda service", () => {
  let bridge: LambdaBridge;
  let cognito: CognitoLocal;
  let client: CognitoIdentityProviderClient;
  let pool: { userPoolId: string; clientId: string };

  const signIn = (username: string, password: string) =>
    client.send(
      new InitiateAuthCommand({
        ClientId: pool.clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
  const users = async () =>
    (await client.send(new ListUsersCommand({ UserPoolId: pool.userPoolId }))).Users ?? [];

  beforeAll(async () => {
    bridge = await startLambdaBridge({ functions: { [USER_MIGRATION_FUNCTION]: { handler: migrateAda } } });
    cognito = await startCognitoLocal({
      lambdaEndpoint: bridge.endpoint,
      userMigrationFunction: USER_MIGRATION_FUNCTION,
    });
    client = cognito.client();
    pool = await createProductionShapedPool(client, {
      name: "production-shaped",
      userMigrationLambdaArn: `arn:aws:lambda:us-east-1:000000000000:function:${USER_MIGRATION_FUNCTION}`,
    });
  });

  afterAll(async () => {
    await cognito?.stop();
    await bridge?.stop();
  });

  it("starts on a free port and reports how long the start took", () => {
    expect(cognito.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cognito.endpoint).not.toBe("http://127.0.0.1:9229");
    expect(cognito.startupMs).toBeGreaterThan(0);
  });

  it("describes a pool with email as the username, case-insensitive, and the four custom attributes", async () => {
    const { UserPool } = await client.send(new DescribeUserPoolCommand({ UserPoolId: pool.userPoolId }));
    expect(UserPool?.UsernameAttributes).toEqual(["email"]);
    expect(UserPool?.UsernameConfiguration).toEqual({ CaseSensitive: false });
    expect(UserPool?.AutoVerifiedAttributes).toEqual(["email"]);
    expect(UserPool?.LambdaConfig?.UserMigration).toContain(USER_MIGRATION_FUNCTION);
    const custom = UserPool?.SchemaAttributes?.filter((attribute) => attribute.Name?.startsWith("custom:"));
    expect(
      custom?.map(({ Name, AttributeDataType, Mutable }) => ({ Name, AttributeDataType, Mutable })),
    ).toEqual([
      { Name: "custom:realm_user_id", AttributeDataType: "String", Mutable: true },
      { Name: "custom:mongo_id", AttributeDataType: "String", Mutable: true },
      { Name: "custom:migration_state", AttributeDataType: "String", Mutable: true },
      { Name: "custom:reset_requested_at", AttributeDataType: "String", Mutable: true },
    ]);
  });

  it("gives the app client the four auth flows, no secret and hidden user-existence errors", async () => {
    const { UserPoolClient } = await client.send(
      new DescribeUserPoolClientCommand({ UserPoolId: pool.userPoolId, ClientId: pool.clientId }),
    );
    expect(UserPoolClient?.ExplicitAuthFlows?.slice().sort()).toEqual([
      "ALLOW_ADMIN_USER_PASSWORD_AUTH",
      "ALLOW_REFRESH_TOKEN_AUTH",
      "ALLOW_USER_PASSWORD_AUTH",
      "ALLOW_USER_SRP_AUTH",
    ]);
    expect(UserPoolClient?.ClientSecret).toBeUndefined();
    expect(UserPoolClient?.PreventUserExistenceErrors).toBe("ENABLED");
  });

  it("refuses a wrong password for an unknown user through the trigger and creates no user", async () => {
    const before = bridge.invocations(USER_MIGRATION_FUNCTION);
    await expect(signIn("ada@example.com", "Wrong-Horse-1")).rejects.toMatchObject({
      name: "NotAuthorizedException",
    });
    expect(bridge.invocations(USER_MIGRATION_FUNCTION)).toBe(before + 1);
    expect(await users()).toEqual([]);
  });

  it("migrates an unknown user with the right password: tokens, and a CONFIRMED user with the trigger's attributes", async () => {
    const before = bridge.invocations(USER_MIGRATION_FUNCTION);
    const { AuthenticationResult } = await signIn("ada@example.com", PASSWORD);
    expect(AuthenticationResult?.IdToken).toBeTruthy();
    expect(AuthenticationResult?.AccessToken).toBeTruthy();
    expect(bridge.invocations(USER_MIGRATION_FUNCTION)).toBe(before + 1);

    const user = await client.send(
      new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: "ada@example.com" }),
    );
    expect(user.UserStatus).toBe("CONFIRMED");
    const attributes = Object.fromEntries(
      (user.UserAttributes ?? []).map(({ Name, Value }) => [Name, Value]),
    );
    expect(attributes).toMatchObject({
      email: "ada@example.com",
      email_verified: "true",
      "custom:realm_user_id": "realm-ada",
      "custom:mongo_id": "65a1b2c3d4e5f60718293a4b",
    });
  });

  it("signs a migrated user in again without invoking the trigger", async () => {
    const before = bridge.invocations(USER_MIGRATION_FUNCTION);
    const { AuthenticationResult } = await signIn("ada@example.com", PASSWORD);
    expect(AuthenticationResult?.AccessToken).toBeTruthy();
    expect(bridge.invocations(USER_MIGRATION_FUNCTION)).toBe(before);
  });

  it("emulator-only: ignores CaseSensitive false, so a differently cased email fires the trigger again and duplicates the user", async () => {
    // Real Cognito finds ada@example.com for "Ada@Example.COM" in a case-insensitive pool; cognito-local
    // compares exactly. Callers should send the email lower-cased (core's emailKey) to stay safe in both.
    const before = bridge.invocations(USER_MIGRATION_FUNCTION);
    await signIn("Ada@Example.COM", PASSWORD);
    expect(bridge.invocations(USER_MIGRATION_FUNCTION)).toBe(before + 1);
    expect(
      (await users()).filter((user) => user.Attributes?.some((a) => a.Value === "ada@example.com")),
    ).toHaveLength(2);
  });

  it("emulator-only: answers a wrong password for a migrated user with InvalidPasswordException (Cognito says NotAuthorized)", async () => {
    const before = bridge.invocations(USER_MIGRATION_FUNCTION);
    await expect(signIn("ada@example.com", "Wrong-Horse-1")).rejects.toMatchObject({
      name: "InvalidPasswordException",
    });
    expect(bridge.invocations(USER_MIGRATION_FUNCTION)).toBe(before);
  });

  it("emulator-only: answers ForgotPassword for an unknown user with UserNotFoundException despite PreventUserExistenceErrors", async () => {
    // Real Cognito hides the user's absence (and would try UserMigration_ForgotPassword first).
    const before = bridge.invocations(USER_MIGRATION_FUNCTION);
    await expect(
      client.send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: "nobody@example.com" })),
    ).rejects.toMatchObject({ name: "UserNotFoundException" });
    expect(bridge.invocations(USER_MIGRATION_FUNCTION)).toBe(before);
  });
});

describe("cognito-local's process", () => {
  it("leaves no process and no temp dir behind after stop", async () => {
    const cognito = await startCognitoLocal();
    const health = await fetch(`${cognito.endpoint}/health`);
    expect(await health.json()).toEqual({ ok: true });
    await cognito.stop();
    expect(isAlive(cognito.pid)).toBe(false);
    await expect(fetch(`${cognito.endpoint}/health`)).rejects.toThrow();
  });

  it("dies with its parent even when the parent is killed with SIGKILL", async () => {
    const directory = await mkdtemp(join(tmpdir(), "cognito-parent-"));
    const script = join(directory, "parent.mts");
    const module = fileURLToPath(new URL("../../src/cognito/cognito-local.ts", import.meta.url));
    await writeFile(
      script,
      `import { startCognitoLocal } from ${JSON.stringify(module)};\n` +
        "const cognito = await startCognitoLocal();\n" +
        "console.log(cognito.pid);\nsetInterval(() => {}, 1000);\n",
    );
    const parent = spawn(process.execPath, ["--import", "tsx", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        parent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        parent.once("exit", () => reject(new Error("parent exited before starting cognito-local")));
      });
      expect(isAlive(pid)).toBe(true);
      parent.kill("SIGKILL");
      expect(await waitUntil(() => !isAlive(pid), 5_000)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("keeps a data directory it was given", async () => {
    const directory = await mkdtemp(join(tmpdir(), "cognito-data-"));
    try {
      const cognito = await startCognitoLocal({ dataDir: directory });
      await createProductionShapedPool(cognito.client(), { name: "kept" });
      await cognito.stop();
      expect(existsSync(join(directory, ".cognito", "config.json"))).toBe(true);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
