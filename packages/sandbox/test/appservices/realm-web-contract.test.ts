import * as Realm from "realm-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppServicesEmulator, startAppServicesEmulator } from "../../src/appservices/index.js";

// The official SDK drives the emulator: if realm-web accepts every answer, so would an app written for Realm.
let clock = Date.now();
let realm: AppServicesEmulator;
let app: Realm.App;

beforeAll(async () => {
  realm = await startAppServicesEmulator({
    appId: "contract-app-abcde",
    accessTokenTtlSeconds: 60,
    now: () => clock,
  });
  app = new Realm.App({ id: realm.appId, baseUrl: realm.baseUrl });
});

afterAll(async () => {
  await realm.stop();
});

async function registerAndConfirm(email: string, password: string): Promise<void> {
  await app.emailPasswordAuth.registerUser({ email, password });
  const mail = realm.outbox.latest(email, "confirm");
  if (mail === undefined) throw new Error(`no confirmation mail for ${email}`);
  await app.emailPasswordAuth.confirmUser({ token: mail.token, tokenId: mail.tokenId });
}

async function realmErrorOf(promise: Promise<unknown>): Promise<Realm.MongoDBRealmError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Realm.MongoDBRealmError);
  return error as Realm.MongoDBRealmError;
}

describe("realm-web against the App Services emulator", () => {
  it("registers, confirms from the outbox, logs in, reads profile and custom data, resets the password and logs in again", async () => {
    const email = "ada@example.com";
    await registerAndConfirm(email, "first-password");

    const user = await app.logIn(Realm.Credentials.emailPassword(email, "first-password"));
    expect(user.id).toMatch(/^[0-9a-f]{24}$/);
    expect(user.profile.email).toBe(email);
    expect(user.identities[0]?.providerType).toBe("local-userpass");
    const customData = user.customData as Record<string, unknown>;
    expect(customData.user_id).toBe(user.id);
    expect(customData._id).toMatch(/^[0-9a-f]{24}$/);
    expect(customData.email).toBe(email);
    expect(realm.userDocuments().find((doc) => doc.user_id === user.id)?._id).toBe(customData._id);

    const refreshed = (await user.refreshCustomData()) as Record<string, unknown>;
    expect(refreshed._id).toBe(customData._id);
    await user.refreshProfile();
    expect(user.profile.email).toBe(email);

    await app.emailPasswordAuth.sendResetPasswordEmail({ email });
    const reset = realm.outbox.latest(email, "reset");
    expect(reset?.url).toContain(`tokenId=${reset?.tokenId}`);
    expect(reset?.token).toMatch(/^[0-9a-f]{128}$/);
    await app.emailPasswordAuth.resetPassword({
      token: reset!.token,
      tokenId: reset!.tokenId,
      password: "second-password",
    });

    const again = await app.logIn(Realm.Credentials.emailPassword(email, "second-password"));
    expect(again.id).toBe(user.id);
    const old = await realmErrorOf(app.logIn(Realm.Credentials.emailPassword(email, "first-password")));
    expect(old.statusCode).toBe(401);
    await again.logOut();
    expect(again.isLoggedIn).toBe(false);
  });

  it("refreshes an expired access token by itself and carries on", async () => {
    await registerAndConfirm("grace@example.com", "grace-password");
    const user = await app.logIn(Realm.Credentials.emailPassword("grace@example.com", "grace-password"));
    const before = user.accessToken;
    clock += 120_000; // past the 60 s access-token lifetime
    await user.refreshProfile(); // 401 InvalidSession → POST /auth/session → retry
    expect(user.accessToken).not.toBe(before);
    expect(user.profile.email).toBe("grace@example.com");
  });

  it("answers a wrong password and an unknown email alike: 401 InvalidPassword", async () => {
    await registerAndConfirm("alan@example.com", "alan-password");
    const wrong = await realmErrorOf(
      app.logIn(Realm.Credentials.emailPassword("alan@example.com", "nope-nope")),
    );
    const unknown = await realmErrorOf(
      app.logIn(Realm.Credentials.emailPassword("nobody@example.com", "nope-nope")),
    );
    for (const error of [wrong, unknown]) {
      expect(error.statusCode).toBe(401);
      expect(error.errorCode).toBe("InvalidPassword");
      expect(error.error).toBe("unauthorized");
    }
  });

  it("treats emails as case-sensitive at login, as Realm does", async () => {
    const error = await realmErrorOf(
      app.logIn(Realm.Credentials.emailPassword("ALAN@example.com", "alan-password")),
    );
    expect(error.errorCode).toBe("InvalidPassword");
  });

  it("refuses a second registration of the same email with 409 AccountNameInUse", async () => {
    await app.emailPasswordAuth.registerUser({ email: "edsger@example.com", password: "edsger-pw" });
    const error = await realmErrorOf(
      app.emailPasswordAuth.registerUser({ email: "edsger@example.com", password: "other-pw" }),
    );
    expect(error.statusCode).toBe(409);
    expect(error.errorCode).toBe("AccountNameInUse");
    expect(error.error).toBe("name already in use");
    expect(error.link).toContain(realm.groupId);
  });

  it("refuses a bad confirmation token, and an expired one", async () => {
    const bad = await realmErrorOf(
      app.emailPasswordAuth.confirmUser({ token: "00".repeat(64), tokenId: "5f1e0a3b9c8d7e6f5a4b3c2d" }),
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.error).toBe("invalid token data");

    await app.emailPasswordAuth.registerUser({ email: "barbara@example.com", password: "barbara-pw" });
    const mail = realm.outbox.latest("barbara@example.com", "confirm")!;
    clock += 31 * 60_000;
    const expired = await realmErrorOf(
      app.emailPasswordAuth.confirmUser({ token: mail.token, tokenId: mail.tokenId }),
    );
    expect(expired.errorCode).toBe("UserpassTokenInvalid");

    await app.emailPasswordAuth.resendConfirmationEmail({ email: "barbara@example.com" });
    const fresh = realm.outbox.latest("barbara@example.com", "confirm")!;
    expect(fresh.tokenId).not.toBe(mail.tokenId);
    await app.emailPasswordAuth.confirmUser({ token: fresh.token, tokenId: fresh.tokenId });
    const repeat = await realmErrorOf(
      app.emailPasswordAuth.resendConfirmationEmail({ email: "barbara@example.com" }),
    );
    expect(repeat.errorCode).toBe("UserAlreadyConfirmed");
  });

  it("refuses a password outside 6..128 characters", async () => {
    for (const password of ["12345", "x".repeat(129)]) {
      const error = await realmErrorOf(
        app.emailPasswordAuth.registerUser({ email: "short@example.com", password }),
      );
      expect(error.statusCode).toBe(400);
      expect(error.error).toBe("password must be between 6 and 128 characters");
    }
  });

  it("keeps an unconfirmed user out, and a disabled user too", async () => {
    await app.emailPasswordAuth.registerUser({ email: "donald@example.com", password: "donald-pw" });
    const unconfirmed = await realmErrorOf(
      app.logIn(Realm.Credentials.emailPassword("donald@example.com", "donald-pw")),
    );
    expect(unconfirmed.statusCode).toBe(401);

    await registerAndConfirm("frances@example.com", "frances-pw");
    const user = await app.logIn(Realm.Credentials.emailPassword("frances@example.com", "frances-pw"));
    const admin = await adminSession();
    const disabled = await fetch(`${adminApp()}/users/${user.id}/disable`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${admin}` },
    });
    expect(disabled.status).toBe(204);
    const refused = await realmErrorOf(
      app.logIn(Realm.Credentials.emailPassword("frances@example.com", "frances-pw")),
    );
    expect(refused.errorCode).toBe("UserDisabled");
  });

  it("deletes the signed-in user, whose email can then register again", async () => {
    await registerAndConfirm("ken@example.com", "ken-password");
    const user = await app.logIn(Realm.Credentials.emailPassword("ken@example.com", "ken-password"));
    await app.deleteUser(user);
    const gone = await realmErrorOf(
      app.logIn(Realm.Credentials.emailPassword("ken@example.com", "ken-password")),
    );
    expect(gone.errorCode).toBe("InvalidPassword");
    await app.emailPasswordAuth.registerUser({ email: "ken@example.com", password: "ken-password" });
  });
});

function adminApp(): string {
  return `${realm.adminBaseUrl}/api/admin/v3.0/groups/${realm.groupId}/apps/${realm.appObjectId}`;
}

async function adminSession(): Promise<string> {
  const response = await fetch(`${realm.adminBaseUrl}/api/admin/v3.0/auth/providers/mongodb-cloud/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: realm.apiKey.publicKey, apiKey: realm.apiKey.privateKey }),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}
