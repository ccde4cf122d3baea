// The sandbox pool answers as Amazon Cognito does with PreventUserExistenceErrors ENABLED (docs:
// "Managing user existence error responses"), where cognito-local on its own reveals who exists.
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  CreateUserPoolClientCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cognitoLocalClient,
  INCORRECT_CREDENTIALS_MESSAGE,
  importWithoutPassword,
  simulatedDelivery,
  USER_MIGRATION_FUNCTION,
} from "../../src/cognito/index.js";
import { type SandboxWorld, startSandboxWorld } from "../../src/world.js";

let world: SandboxWorld;
let viaProxy: CognitoIdentityProviderClient;
let raw: CognitoIdentityProviderClient;
let legacyClientId: string;
const adminEngineUser = "admin-engine@example.com";
const csvEngineUser = "csv-engine@example.com";
const nobody = "nobody-here@example.com";

beforeAll(async () => {
  world = await startSandboxWorld({ mode: "cognito-primary", seedUsers: 8, handlerOutput: null });
  viaProxy = world.cognito.client();
  raw = cognitoLocalClient(world.cognitoLocalEndpoint);
  const legacy = await viaProxy.send(
    new CreateUserPoolClientCommand({
      UserPoolId: world.userPoolId,
      ClientName: "legacy",
      ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      PreventUserExistenceErrors: "LEGACY",
    }),
  );
  legacyClientId = legacy.UserPoolClient?.ClientId ?? "";
  await importWithoutPassword(viaProxy, world.userPoolId, adminEngineUser);
  await world.importAsCsvJob([{ email: csvEngineUser, attributes: { "custom:mongo_id": "42" } }]);
}, 90_000);
afterAll(async () => {
  raw?.destroy();
  await world?.stop();
});

/** The exception name and message of a USER_PASSWORD_AUTH sign-in, or "signedIn". */
async function signIn(
  client: CognitoIdentityProviderClient,
  clientId: string,
  email: string,
  password: string,
) {
  try {
    await client.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    return "signedIn";
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe("the sandbox pool with user existence hidden (the default)", () => {
  it("creates CSV-engine users RESET_REQUIRED with their attributes, and admin-create users CONFIRMED", async () => {
    const csv = await viaProxy.send(
      new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: csvEngineUser }),
    );
    expect(csv.UserStatus).toBe("RESET_REQUIRED");
    expect(csv.UserAttributes).toContainEqual({ Name: "custom:mongo_id", Value: "42" });
    const admin = await viaProxy.send(
      new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: adminEngineUser }),
    );
    expect(admin.UserStatus).toBe("CONFIRMED");
    expect(world.userExistenceErrors).toBe("hidden");
  });

  it("CONTROL: cognito-local alone tells the three cases apart", async () => {
    const answers = [
      await signIn(raw, world.clientId, nobody, "Some-Password-1"),
      await signIn(raw, world.clientId, adminEngineUser, "Some-Password-1"),
      await signIn(raw, world.clientId, csvEngineUser, "Some-Password-1"),
    ];
    expect(new Set(answers).size).toBe(3);
    expect(answers[1]).toMatch(/^InvalidPasswordException/);
    expect(answers[2]).toMatch(/^PasswordResetRequiredException/);
  });

  it("answers an unknown user, a wrong password and an imported user of either engine alike", async () => {
    const expected = `NotAuthorizedException: ${INCORRECT_CREDENTIALS_MESSAGE}`;
    expect(await signIn(viaProxy, world.clientId, nobody, "Some-Password-1")).toBe(expected);
    expect(await signIn(viaProxy, world.clientId, adminEngineUser, "Some-Password-1")).toBe(expected);
    expect(await signIn(viaProxy, world.clientId, csvEngineUser, "Some-Password-1")).toBe(expected);
    expect(world.existenceProxy.rewrites().InitiateAuth).toBeGreaterThanOrEqual(3);
  });

  it("answers ForgotPassword for an unknown user with a simulated delivery, and its code as a mismatch", async () => {
    await expect(
      raw.send(new ForgotPasswordCommand({ ClientId: world.clientId, Username: nobody })),
    ).rejects.toMatchObject({ name: "UserNotFoundException" }); // CONTROL
    const answer = await viaProxy.send(
      new ForgotPasswordCommand({ ClientId: world.clientId, Username: nobody }),
    );
    expect(answer.CodeDeliveryDetails).toEqual({
      AttributeName: "email",
      DeliveryMedium: "EMAIL",
      Destination: "n***@e***",
    });
    await expect(
      viaProxy.send(
        new ConfirmForgotPasswordCommand({
          ClientId: world.clientId,
          Username: nobody,
          ConfirmationCode: "123456",
          Password: "Whatever-Password-1",
        }),
      ),
    ).rejects.toMatchObject({ name: "CodeMismatchException" });
  });

  it("leaves a client with LEGACY answering as cognito-local does", async () => {
    expect(await signIn(viaProxy, legacyClientId, csvEngineUser, "Some-Password-1")).toMatch(
      /^PasswordResetRequiredException/,
    );
    await expect(
      viaProxy.send(new ForgotPasswordCommand({ ClientId: legacyClientId, Username: nobody })),
    ).rejects.toMatchObject({ name: "UserNotFoundException" });
  });

  it("runs UserMigration_ForgotPassword for a Realm user not yet in the pool, which cognito-local never does", async () => {
    const [first, second] = world.describe().users.filter((user) => user.state === "active");
    if (!first || !second) throw new Error("the seed has fewer than two active demo users");
    const runs = world.bridge.invocations(USER_MIGRATION_FUNCTION);
    await expect(
      raw.send(new ForgotPasswordCommand({ ClientId: world.clientId, Username: second.email })),
    ).rejects.toMatchObject({ name: "UserNotFoundException" }); // CONTROL: cognito-local alone
    expect(world.bridge.invocations(USER_MIGRATION_FUNCTION)).toBe(runs);

    const sent = await viaProxy.send(
      new ForgotPasswordCommand({ ClientId: world.clientId, Username: first.email }),
    );
    expect(sent.CodeDeliveryDetails?.DeliveryMedium).toBe("EMAIL");
    expect(world.bridge.invocations(USER_MIGRATION_FUNCTION)).toBe(runs + 1);
    expect(world.existenceProxy.forgotPasswordMigrations()).toBe(1);
    const created = await viaProxy.send(
      new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: first.email }),
    );
    expect(created.UserAttributes?.find((a) => a.Name === "custom:realm_user_id")?.Value).toMatch(
      /^[0-9a-f]{24}$/,
    );
    const code = await world.cognito.latestCode(world.userPoolId, first.email);
    await viaProxy.send(
      new ConfirmForgotPasswordCommand({
        ClientId: world.clientId,
        Username: first.email,
        ConfirmationCode: code ?? "",
        Password: "Reset-Before-Import-3",
      }),
    );
    expect(await signIn(viaProxy, world.clientId, first.email, "Reset-Before-Import-3")).toBe("signedIn");
  });

  it("answers a pending Realm user's reset as a stranger's: the trigger refuses, nobody is created", async () => {
    const pending = world.describe().users.find((user) => user.state === "pending");
    if (!pending) throw new Error("the seed has no pending demo user");
    const sent = await viaProxy.send(
      new ForgotPasswordCommand({ ClientId: world.clientId, Username: pending.email }),
    );
    expect(sent.CodeDeliveryDetails).toEqual(simulatedDelivery(pending.email));
    await expect(
      viaProxy.send(new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: pending.email })),
    ).rejects.toMatchObject({ name: "UserNotFoundException" });
  });

  it("masks a simulated destination as Cognito does", () => {
    expect(simulatedDelivery("Zoë@exämple.com").Destination).toBe("Z***@e***");
  });
});
