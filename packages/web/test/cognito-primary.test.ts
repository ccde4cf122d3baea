import { CreateUserPoolClientCommand } from "@aws-sdk/client-cognito-identity-provider";
import { AuthClient, RealmRejectedError } from "@realm-to-cognito/realm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSdkCognitoApi } from "../src/cognito-sdk.js";
import {
  CognitoRefusedError,
  CognitoUnavailableError,
  createFetchCognitoApi,
  createMigratingAuth,
  type MigratingAuthEvent,
} from "../src/index.js";
import { freshEmail, startTestWorld, type TestWorld } from "./sandbox.js";

let t: TestWorld;

beforeAll(async () => {
  t = await startTestWorld("cognito-primary", 6);
});
afterAll(() => t?.stop());

const SWITCH_DATE = "1 December 2026";
const RESET_SUGGESTED = {
  status: "failed",
  reason: "wrongCredentials",
  resetSuggested: true,
  message: `Wrong email or password — if you have not signed in since ${SWITCH_DATE}, reset your password.`,
};

function authWithEvents(lapsed: string[] = [], clientId?: string) {
  const events: MigratingAuthEvent[] = [];
  const config = t.config({
    needsPasswordReset: (email) => lapsed.includes(email),
    switchDate: SWITCH_DATE,
    onEvent: (event) => events.push(event),
  });
  const auth = createMigratingAuth(
    clientId ? { ...config, cognito: { ...config.cognito, clientId } } : config,
  );
  return { auth, events, types: () => events.map((event) => event.type) };
}

/** A second app client of the same pool that reveals user existence (PreventUserExistenceErrors LEGACY). */
async function revealingClient(): Promise<string> {
  const { UserPoolClient } = await t.admin.send(
    new CreateUserPoolClientCommand({
      UserPoolId: t.world.userPoolId,
      ClientName: "revealing",
      ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      PreventUserExistenceErrors: "LEGACY",
    }),
  );
  return UserPoolClient?.ClientId ?? "";
}

/** ForgotPassword, the code from cognito-local's store, ConfirmForgotPassword, then a sign-in with it. */
async function resetAndSignIn(
  auth: ReturnType<typeof authWithEvents>["auth"],
  email: string,
  newPassword: string,
) {
  expect(await auth.requestPasswordReset(email)).toMatchObject({ status: "resetSent", via: "code" });
  const code = await t.cognitoCode(email);
  expect(code).toMatch(/^\d+$/);
  expect(await auth.confirmPasswordReset({ email, code, newPassword })).toEqual({
    status: "passwordChanged",
  });
  return auth.signIn(email, newPassword);
}

describe("cognito-primary on a pool that hides user existence (the sandbox default)", () => {
  it("offers the reset to users of both import engines, refused alike with a stranger, then signs them in", async () => {
    expect(t.world.userExistenceErrors).toBe("hidden");
    const adminEngine = freshEmail("admin-engine");
    const csvEngine = freshEmail("csv-engine");
    // As the CLI's engines leave them: admin-create CONFIRMED with a random password nobody knows, the
    // CSV import job RESET_REQUIRED without one (cognito-local has no import jobs: see importAsCsvJob).
    await t.importUser(adminEngine, { "custom:realm_user_id": "6561f0c2a1b2c3d4e5f60701" });
    await t.world.importAsCsvJob([
      { email: csvEngine, attributes: { "custom:realm_user_id": "6561f0c2a1b2c3d4e5f60702" } },
    ]);
    expect((await t.cognitoUser(adminEngine))?.status).toBe("CONFIRMED");
    expect((await t.cognitoUser(csvEngine))?.status).toBe("RESET_REQUIRED");
    const { auth, types } = authWithEvents();

    const answers = [
      await auth.signIn(adminEngine, "Their-Old-Realm-Password-1"),
      await auth.signIn(csvEngine, "Their-Old-Realm-Password-1"),
      await auth.signIn(freshEmail("stranger"), "Their-Old-Realm-Password-1"),
    ];
    for (const answer of answers) expect(answer).toEqual(RESET_SUGGESTED);
    expect(types()).toEqual(["resetSuggested", "resetSuggested", "resetSuggested"]);

    for (const [email, realmUserId] of [
      [adminEngine, "6561f0c2a1b2c3d4e5f60701"],
      [csvEngine, "6561f0c2a1b2c3d4e5f60702"],
    ] as const) {
      const signedIn = await resetAndSignIn(auth, email, "After-The-Switch-4");
      expect(signedIn.status).toBe("signedIn");
      const user = await t.cognitoUser(email);
      expect(user?.status).toBe("CONFIRMED");
      expect(user?.attributes["custom:realm_user_id"]).toBe(realmUserId);
    }
  });

  it("answers a reset for a stranger as for a user, and a stranger's code as a wrong code", async () => {
    const { auth } = authWithEvents();
    const stranger = freshEmail("stranger");
    const sent = await auth.requestPasswordReset(stranger);
    expect(sent).toMatchObject({ status: "resetSent", via: "code", medium: "EMAIL" });
    expect(
      await auth.confirmPasswordReset({ email: stranger, code: "123456", newPassword: "Whatever-Pass-1" }),
    ).toMatchObject({
      status: "failed",
      reason: "wrongCode",
    });
  });

  it("shows the switch date given as a Date, and a neutral phrase without one", async () => {
    const email = freshEmail("dated");
    const dated = createMigratingAuth({ ...t.config(), switchDate: new Date(Date.UTC(2026, 11, 1)) });
    expect(await dated.signIn(email, "Whatever-1")).toMatchObject({
      message:
        "Wrong email or password — if you have not signed in since 1 December 2026, reset your password.",
    });
    const undated = createMigratingAuth(t.config());
    expect(await undated.signIn(email, "Whatever-1")).toMatchObject({
      resetSuggested: true,
      message:
        "Wrong email or password — if you have not signed in since we moved to our new sign-in system, reset your password.",
    });
  });
});

describe("cognito-primary on an app client that reveals user existence (LEGACY)", () => {
  it("keeps leading a CSV-engine user (PasswordResetRequiredException) into the reset as resetRequired", async () => {
    const clientId = await revealingClient();
    const csvEngine = freshEmail("csv-engine-legacy");
    await t.world.importAsCsvJob([{ email: csvEngine }]);
    const { auth, types } = authWithEvents([], clientId);
    expect(await auth.signIn(csvEngine, "Their-Old-Realm-Password-1")).toMatchObject({
      status: "resetRequired",
    });
    expect(types()).toEqual(["resetRequired"]);
    expect((await resetAndSignIn(auth, csvEngine, "After-The-Switch-5")).status).toBe("signedIn");
    // Refusals it can tell apart still carry the reset offer (an admin-create user looks like a typo).
    expect(await auth.signIn(freshEmail("stranger"), "Whatever-1")).toEqual(RESET_SUGGESTED);
  });
});

describe("cognito-primary", () => {
  it("signs up, confirms and signs in with Cognito alone, never touching Realm", async () => {
    const email = freshEmail("cognito-signup");
    const password = "Cognito-Password-1";
    const { auth } = authWithEvents();

    const signedUp = await auth.signUp(email, password);
    expect(signedUp).toMatchObject({ status: "confirmationSent", via: "code" });
    expect((await t.cognitoUser(email))?.status).toBe("UNCONFIRMED");
    const early = await auth.signIn(email, password);
    expect(early.status).toBe("confirmationRequired");

    expect(await auth.confirmSignUp({ email, code: "000000" })).toMatchObject({ reason: "wrongCode" });
    expect(await auth.confirmSignUp({ email, code: await t.cognitoCode(email) })).toEqual({
      status: "confirmed",
    });
    const signedIn = await auth.signIn(email, password);

    expect(signedIn.status === "signedIn" && signedIn.session.realm === undefined).toBe(true);
    expect(signedIn.status === "signedIn" && signedIn.session.cognito?.accessToken).toBeTruthy();
    const realm = new AuthClient({ appId: t.world.realm.appId, baseUrl: t.world.realm.baseUrl });
    await expect(realm.login(email, password)).rejects.toBeInstanceOf(RealmRejectedError);
    expect(t.world.realm.outbox.all().some((mail) => mail.to === email)).toBe(false);
  });

  it("leads an imported user known to need a reset into the reset flow, then signs them in", async () => {
    const email = freshEmail("imported");
    await t.importUser(email, { "custom:realm_user_id": "6561f0c2a1b2c3d4e5f60718" });
    const { auth, types } = authWithEvents([email]);

    const first = await auth.signIn(email, "Their-Old-Realm-Password-1");
    expect(first.status).toBe("resetRequired");
    expect(types()).toEqual(["resetRequired"]);

    const sent = await auth.requestPasswordReset(email);
    expect(sent).toMatchObject({ status: "resetSent", via: "code" });
    const code = await t.cognitoCode(email);
    expect(code).toMatch(/^\d+$/);
    const newPassword = "After-The-Move-2";
    expect(await auth.confirmPasswordReset({ email, code, newPassword })).toEqual({
      status: "passwordChanged",
    });

    const signedIn = await auth.signIn(email, newPassword);
    expect(signedIn.status).toBe("signedIn");
    expect((await t.cognitoUser(email))?.attributes["custom:realm_user_id"]).toBe("6561f0c2a1b2c3d4e5f60718");
  });

  it("migrates a Realm user whose password fails the pool's policy as RESET_REQUIRED and leads them into the reset", async () => {
    const email = freshEmail("weak-realm");
    const realm = new AuthClient({ appId: t.world.realm.appId, baseUrl: t.world.realm.baseUrl });
    await realm.register(email, "weakpass");
    const { token, tokenId } = t.mail(email, "confirm");
    await realm.confirm(token, tokenId);
    const { auth, types } = authWithEvents();

    // The trigger created the user RESET_REQUIRED; the pool hides that like everything else.
    expect(await auth.signIn(email, "weakpass")).toEqual(RESET_SUGGESTED);
    expect(types()).toEqual(["resetSuggested"]);
    expect((await t.cognitoUser(email))?.status).toBe("RESET_REQUIRED");

    await auth.requestPasswordReset(email);
    const newPassword = "Stronger-Password-8";
    const reset = await auth.confirmPasswordReset({ email, code: await t.cognitoCode(email), newPassword });
    expect(reset).toEqual({ status: "passwordChanged" });
    expect((await auth.signIn(email, newPassword)).status).toBe("signedIn");
  });

  it("answers an imported user nobody flagged as a stranger, both offered the reset", async () => {
    const email = freshEmail("unflagged");
    await t.importUser(email);
    const { auth } = authWithEvents();
    const imported = await auth.signIn(email, "Whatever-1");
    const unknown = await auth.signIn(freshEmail("unknown"), "Whatever-1");
    expect(imported).toEqual(unknown);
    expect(imported).toEqual(RESET_SUGGESTED);
  });

  it("answers a reset request for an unknown email as for a known one", async () => {
    const { auth } = authWithEvents();
    expect(await auth.requestPasswordReset(freshEmail("nobody"))).toMatchObject({
      status: "resetSent",
      via: "code",
    });
  });

  it("refuses a wrong reset code", async () => {
    const email = freshEmail("wrong-code");
    await t.importUser(email);
    const { auth } = authWithEvents();
    await auth.requestPasswordReset(email);
    const result = await auth.confirmPasswordReset({
      email,
      code: "999999x",
      newPassword: "Good-Password-3",
    });
    expect(result).toMatchObject({ status: "failed", reason: "wrongCode" });
  });
});

describe("the two Cognito adapters", () => {
  it("give the same answers over fetch and through the AWS SDK", async () => {
    const email = freshEmail("adapters");
    const password = "Adapter-Password-5";
    const config = t.config().cognito;
    const adapters = [createFetchCognitoApi(config), createSdkCognitoApi(config)];
    await adapters[0]?.signUp(email, password, { email });
    await adapters[1]?.confirmSignUp(email, await t.cognitoCode(email));

    for (const cognito of adapters) {
      const refusal = await cognito.signInWithPassword(email, "Not-It-1").catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(CognitoRefusedError);
      // The sandbox pool hides user existence: Cognito's NotAuthorizedException, not cognito-local's InvalidPasswordException.
      expect((refusal as CognitoRefusedError).exception).toBe("NotAuthorizedException");
      const answer = await cognito.signInWithPassword(email, password);
      expect(answer.kind === "tokens" && answer.tokens.refreshToken).toBeTruthy();
      if (answer.kind === "tokens" && answer.tokens.refreshToken) {
        expect((await cognito.refresh(answer.tokens.refreshToken)).accessToken).toBeTruthy();
      }
      expect((await cognito.forgotPassword(email)).medium).toBe("EMAIL");
    }
    const down = createFetchCognitoApi({ ...config, endpoint: "http://127.0.0.1:9/" });
    await expect(down.forgotPassword(email)).rejects.toBeInstanceOf(CognitoUnavailableError);
  });
});
