import { AuthClient, RealmRejectedError } from "@realm-to-cognito/realm";
import { resetLinkExpired } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CognitoRefusedError,
  createFetchCognitoApi,
  createMigratingAuth,
  type MigratingAuthEvent,
} from "../src/index.js";
import { freshEmail, startTestWorld, type TestWorld } from "./sandbox.js";

let t: TestWorld;
let activeUsers: { email: string; password: string }[];

beforeAll(async () => {
  t = await startTestWorld("realm-primary", 40);
  activeUsers = t.seeded("active");
});
afterAll(() => t?.stop());

/** Each test takes its own seeded user, so no test depends on what another left behind. */
function takeActiveUser(): { email: string; password: string } {
  const user = activeUsers.shift();
  if (!user) throw new Error("not enough active seeded users");
  return user;
}

function authWithEvents(overrides: Parameters<TestWorld["config"]>[0] = {}) {
  const events: MigratingAuthEvent[] = [];
  const auth = createMigratingAuth(t.config({ ...overrides, onEvent: (event) => events.push(event) }));
  return { auth, events, types: () => events.map((event) => event.type) };
}

describe("realm-primary", () => {
  it("signs a Realm user in and creates them in Cognito with their Realm attributes", async () => {
    const user = takeActiveUser();
    expect(await t.cognitoUser(user.email)).toBeUndefined();
    const { auth, types } = authWithEvents();

    const result = await auth.signIn(user.email, user.password);

    expect(result.status).toBe("signedIn");
    if (result.status !== "signedIn") return;
    expect(result.session.realm?.userId).toMatch(/^[0-9a-f]{24}$/);
    expect(result.session.cognito?.idToken).toBeTruthy();
    expect(types()).toEqual(["migrated", "signedIn"]);
    const migrated = await t.cognitoUser(user.email);
    expect(migrated?.status).toBe("CONFIRMED");
    expect(migrated?.attributes).toMatchObject({
      email: user.email,
      email_verified: "true",
      "custom:realm_user_id": result.session.realm?.userId,
    });
    expect(await t.cognitoAccepts(user.email, user.password)).toBe(true);
  });

  it("refuses a wrong password and creates no Cognito user", async () => {
    const user = takeActiveUser();
    const { auth, types } = authWithEvents();

    const result = await auth.signIn(user.email, `${user.password}x`);

    expect(result).toEqual({
      status: "failed",
      reason: "wrongCredentials",
      message: "Wrong email or password.",
    });
    expect(types()).toEqual([]);
    expect(await t.cognitoUser(user.email)).toBeUndefined();
  });

  it("still signs the user in with Realm when Cognito is unreachable, and reports it", async () => {
    const user = takeActiveUser();
    const { auth, events } = authWithEvents({
      cognito: {
        endpoint: "http://127.0.0.1:9/",
        region: "us-east-1",
        clientId: t.world.clientId,
        timeoutMs: 2000,
      },
    });

    const result = await auth.signIn(user.email, user.password);

    expect(result.status).toBe("signedIn");
    if (result.status === "signedIn") expect(result.session.cognito).toBeUndefined();
    expect(events).toContainEqual({ type: "cognitoShadowFailed", reason: "COGNITO_UNAVAILABLE" });
  });

  it("signs up and confirms with Realm only: the new user reaches Cognito at their first sign-in", async () => {
    const email = freshEmail("signup");
    const password = "Fresh-Password-42";
    const { auth, types } = authWithEvents();
    const triggerRunsBefore = t.world.bridge.invocations("realm-user-migration");

    expect(await auth.signUp(email, password)).toEqual({ status: "confirmationSent", via: "link" });
    expect(await auth.confirmSignUp(t.mail(email, "confirm"))).toEqual({ status: "confirmed" });
    expect(await t.cognitoUser(email)).toBeUndefined();
    expect(t.world.bridge.invocations("realm-user-migration")).toBe(triggerRunsBefore);

    const signedIn = await auth.signIn(email, password);
    expect(signedIn.status).toBe("signedIn");
    expect(types()).toContain("migrated");
    expect((await t.cognitoUser(email))?.attributes.email).toBe(email);
  });

  it("answers a second registration of the same email with emailInUse", async () => {
    const user = takeActiveUser();
    const { auth } = authWithEvents();
    const result = await auth.signUp(user.email, "Another-Password-1");
    expect(result.status === "failed" && result.reason).toBe("emailInUse");
  });

  it("keeps the migrated Cognito user on a reset request, and heals it at the first sign-in after the reset link expires", async () => {
    const user = takeActiveUser();
    const { auth, events, types } = authWithEvents();
    await auth.signIn(user.email, user.password);
    const before = await t.cognitoUser(user.email);
    expect(before).toBeDefined();

    const requestedAt = Date.now();
    expect(await auth.requestPasswordReset(user.email)).toEqual({ status: "resetSent", via: "link" });
    expect(events).toContainEqual({ type: "resetRequested", via: "realm", backendNotified: true });
    const stale = await t.cognitoUser(user.email);
    expect(stale?.attributes["custom:realm_user_id"]).toBe(before?.attributes["custom:realm_user_id"]);
    expect(stale?.attributes["custom:migration_state"]).toBe("stale");
    expect(await t.cognitoAccepts(user.email, user.password)).toBe(false);

    const newPassword = "Brand-New-Password-7";
    const reset = await auth.confirmPasswordReset({ ...t.mail(user.email, "reset"), newPassword });
    expect(reset).toEqual({ status: "passwordChanged" });

    // While Realm's reset link may still be used, re-sync refuses (a leaked old password could be the
    // one it is shown): the app is signed in through Realm, Cognito catches up later.
    expect(t.world.resetTokenLifetimeMs).toBeGreaterThan(0);
    expect((await auth.signIn(user.email, newPassword)).status).toBe("signedIn");
    expect(types()).not.toContain("resynced");
    expect(events).toContainEqual({
      type: "cognitoShadowFailed",
      reason: expect.stringContaining("resync: refused"),
    });
    expect(await t.cognitoAccepts(user.email, newPassword)).toBe(false);

    await resetLinkExpired(t.world, requestedAt);
    expect((await auth.signIn(user.email, newPassword)).status).toBe("signedIn");
    expect(types()).toContain("resynced");
    expect(await t.cognitoAccepts(user.email, newPassword)).toBe(true);
    expect((await t.cognitoUser(user.email))?.attributes["custom:migration_state"]).toBe("realm-password");
  });

  it("re-syncs Cognito when the password was reset in Realm behind its back", async () => {
    const user = takeActiveUser();
    const { auth, types } = authWithEvents();
    await auth.signIn(user.email, user.password);
    // An old client resets in Realm without telling the backend: Cognito keeps the old password.
    const realm = new AuthClient({ appId: t.world.realm.appId, baseUrl: t.world.realm.baseUrl });
    await realm.sendResetPasswordEmail(user.email);
    const { token, tokenId } = t.mail(user.email, "reset");
    const newPassword = "Changed-Elsewhere-9";
    await realm.resetPassword(token, tokenId, newPassword);
    expect(await t.cognitoAccepts(user.email, user.password)).toBe(true);

    const result = await auth.signIn(user.email, newPassword);

    expect(result.status === "signedIn" && result.session.cognito !== undefined).toBe(true);
    expect(types()).toEqual(["migrated", "signedIn", "resynced", "migrated", "signedIn"]);
    expect(await t.cognitoAccepts(user.email, newPassword)).toBe(true);
    expect(await t.cognitoAccepts(user.email, user.password)).toBe(false);
  });

  it("still sends the Realm reset when the migration API is down, and reports it", async () => {
    const user = takeActiveUser();
    const { auth, events } = authWithEvents({
      migrationApi: { baseUrl: "http://127.0.0.1:9", timeoutMs: 2000 },
    });
    expect(await auth.requestPasswordReset(user.email)).toEqual({ status: "resetSent", via: "link" });
    expect(t.world.realm.outbox.latest(user.email, "reset")).toBeDefined();
    expect(events).toContainEqual({
      type: "migrationApiFailed",
      route: "/password-reset-requested",
      reason: "MIGRATION_API_FAILED",
    });
  });

  it("answers a reset request for an unknown email as for a known one", async () => {
    const { auth } = authWithEvents();
    expect(await auth.requestPasswordReset(freshEmail("nobody"))).toEqual({
      status: "resetSent",
      via: "link",
    });
  });

  it("refuses a disabled Realm user as disabled", async () => {
    const disabled = t.seeded("disabled")[0];
    if (!disabled) throw new Error("no disabled seeded user");
    const { auth } = authWithEvents();
    const result = await auth.signIn(disabled.email, disabled.password);
    expect(result.status === "failed" && result.reason).toBe("accountDisabled");
    expect(await t.cognitoUser(disabled.email)).toBeUndefined();
  });

  it("signs out of both services and forgets the session", async () => {
    const user = takeActiveUser();
    const { auth } = authWithEvents();
    const signedIn = await auth.signIn(user.email, user.password);
    if (signedIn.status !== "signedIn") throw new Error(`sign-in failed: ${signedIn.status}`);
    const { realm: realmTokens, cognito: cognitoTokens } = signedIn.session;
    expect((await auth.currentSession())?.email).toBe(user.email);

    expect(await auth.signOut()).toEqual({ status: "signedOut" });

    expect(await auth.currentSession()).toBeUndefined();
    const realm = new AuthClient({ appId: t.world.realm.appId, baseUrl: t.world.realm.baseUrl });
    await expect(realm.refreshAccessToken(realmTokens?.refreshToken ?? "")).rejects.toBeInstanceOf(
      RealmRejectedError,
    );
    const cognito = createFetchCognitoApi(t.config().cognito);
    await expect(cognito.refresh(cognitoTokens?.refreshToken ?? "")).rejects.toBeInstanceOf(
      CognitoRefusedError,
    );
  });

  it("puts no password or token into its events", async () => {
    const user = takeActiveUser();
    const { auth, events } = authWithEvents();
    const result = await auth.signIn(user.email, user.password);
    const logged = JSON.stringify(events);
    expect(logged).not.toContain(user.password);
    if (result.status === "signedIn") expect(logged).not.toContain(result.session.realm?.accessToken);
  });
});
