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

function authWithEvents(lapsed: string[] = []) {
  const events: MigratingAuthEvent[] = [];
  const auth = createMigratingAuth(
    t.config({
      needsPasswordReset: (email) => lapsed.includes(email),
      onEvent: (event) => events.push(event),
    }),
  );
  return { auth, events, types: () => events.map((event) => event.type) };
}

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

    expect((await auth.signIn(email, "weakpass")).status).toBe("resetRequired");
    expect(types()).toEqual(["resetRequired"]);
    expect((await t.cognitoUser(email))?.status).toBe("RESET_REQUIRED");

    await auth.requestPasswordReset(email);
    const newPassword = "Stronger-Password-8";
    const reset = await auth.confirmPasswordReset({ email, code: await t.cognitoCode(email), newPassword });
    expect(reset).toEqual({ status: "passwordChanged" });
    expect((await auth.signIn(email, newPassword)).status).toBe("signedIn");
  });

  it("answers wrong credentials for an imported user nobody flagged, with no hint that the account exists", async () => {
    const email = freshEmail("unflagged");
    await t.importUser(email);
    const { auth } = authWithEvents();
    const imported = await auth.signIn(email, "Whatever-1");
    const unknown = await auth.signIn(freshEmail("unknown"), "Whatever-1");
    expect(imported).toEqual(unknown);
    expect(imported).toMatchObject({ status: "failed", reason: "wrongCredentials" });
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
      expect((refusal as CognitoRefusedError).exception).toBe("InvalidPasswordException");
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
