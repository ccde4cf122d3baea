// The decision table's realm-primary column, driven through the demo page in Chromium.

import { AuthClient } from "@realm-to-cognito/realm";
import { resetLinkExpired } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, eventTypes, fill, openBrowser, signIn, statusAfter, submit } from "./browser.js";
import { freshEmail, startTestDemoWorld, type TestDemoWorld } from "./world.js";

let t: TestDemoWorld;
let browser: Browser;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestDemoWorld("realm-primary", 30), openBrowser()]);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe("realm-primary in the browser", () => {
  it("signs up and confirms with Realm only: nothing reaches Cognito", async () => {
    const page = await browser.newPage(t.demo.url);
    expect(await page.textContent("#mode-badge")).toBe("realm-primary");
    expect(await page.isVisible("#lapsed-banner")).toBe(false);
    const triggerRuns = t.world.bridge.invocations("realm-user-migration");
    const email = freshEmail("page-signup");

    await fill(page, "#sign-up", { email, password: "Page-Password-1" });
    expect(await submit(page, "#sign-up")).toBe("confirmationSent");
    await page.click("#confirm-sign-up button.sandbox-inbox");
    await statusAfter(page, "inbox");
    expect(await page.inputValue('#confirm-sign-up [name="link"]')).toContain("tokenId=");
    expect(await submit(page, "#confirm-sign-up")).toBe("confirmed");
    await browser.screenshot(page, "realm-primary-sign-up-and-confirm");

    expect(await t.cognitoUser(email)).toBeUndefined();
    expect(t.world.bridge.invocations("realm-user-migration")).toBe(triggerRuns);
    await page.close();
  });

  it("signs in with Realm and creates the user in Cognito with the Realm attributes", async () => {
    const user = t.takeSeeded("active");
    const page = await browser.newPage(t.demo.url);

    expect(await signIn(page, user.email, user.password)).toBe("signedIn");
    expect(await page.textContent("#session-cognito")).toContain("yes");
    expect(await eventTypes(page)).toEqual(["migrated", "signedIn"]);
    await browser.screenshot(page, "realm-primary-first-sign-in-migrates");

    const realmUserId = (
      await new AuthClient({ appId: t.world.realm.appId, baseUrl: t.world.realm.baseUrl }).login(
        user.email,
        user.password,
      )
    ).userId;
    const migrated = await t.cognitoUser(user.email);
    expect(migrated?.status).toBe("CONFIRMED");
    expect(migrated?.attributes).toMatchObject({
      email: user.email,
      email_verified: "true",
      "custom:realm_user_id": realmUserId,
    });
    const document = t.world.realm.userDocuments().find((doc) => doc.email === user.email);
    if (document) expect(migrated?.attributes["custom:mongo_id"]).toBe(String(document._id));
    expect(await t.cognitoAccepts(user.email, user.password)).toBe(true);
    await page.close();
  });

  it("refuses a wrong password and leaves Cognito untouched", async () => {
    const user = t.takeSeeded("active");
    const page = await browser.newPage(t.demo.url);
    expect(await signIn(page, user.email, "Not-The-Password-1")).toBe("failed");
    expect(await page.textContent("#status")).toBe("Wrong email or password.");
    await browser.screenshot(page, "realm-primary-wrong-password");
    expect(await t.cognitoUser(user.email)).toBeUndefined();
    await page.close();
  });

  it("keeps the Cognito user, stale, on a reset request; the Realm reset's new password heals it once the reset link has expired", async () => {
    const user = t.takeSeeded("active");
    const page = await browser.newPage(t.demo.url);
    expect(await signIn(page, user.email, user.password)).toBe("signedIn");
    expect(await t.cognitoUser(user.email)).toBeDefined();

    await fill(page, "#forgot-password", { email: user.email });
    const requestedAt = Date.now();
    expect(await submit(page, "#forgot-password")).toBe("resetSent");
    await browser.screenshot(page, "realm-primary-reset-requested");
    expect((await t.cognitoUser(user.email))?.attributes["custom:migration_state"]).toBe("stale");
    expect(await t.cognitoAccepts(user.email, user.password)).toBe(false);

    const newPassword = "Reset-In-Page-4";
    await page.click("#reset-password button.sandbox-inbox");
    await statusAfter(page, "inbox");
    await fill(page, "#reset-password", { password: newPassword });
    expect(await submit(page, "#reset-password")).toBe("passwordChanged");
    expect((await t.cognitoUser(user.email))?.attributes["custom:migration_state"]).toBe("stale");
    await browser.screenshot(page, "realm-primary-reset-confirmed");

    // Inside the reset link's lifetime the page signs in through Realm and Cognito still refuses.
    expect(t.world.resetTokenLifetimeMs).toBeGreaterThan(0);
    expect(await signIn(page, user.email, newPassword)).toBe("signedIn");
    expect(await t.cognitoAccepts(user.email, newPassword)).toBe(false);
    await resetLinkExpired(t.world, requestedAt);
    expect(await signIn(page, user.email, newPassword)).toBe("signedIn");
    expect(await t.cognitoAccepts(user.email, newPassword)).toBe(true);
    await page.close();
  });

  it("re-syncs Cognito at sign-in after a Realm reset the backend never heard of", async () => {
    const user = t.takeSeeded("active");
    const page = await browser.newPage(t.demo.url);
    expect(await signIn(page, user.email, user.password)).toBe("signedIn");
    const realm = new AuthClient({ appId: t.world.realm.appId, baseUrl: t.world.realm.baseUrl });
    await realm.sendResetPasswordEmail(user.email);
    const mail = t.world.realm.outbox.latest(user.email, "reset");
    if (!mail) throw new Error("no reset mail");
    const newPassword = "Reset-Elsewhere-5";
    await realm.resetPassword(mail.token, mail.tokenId, newPassword);
    await page.click("#sign-out");
    await statusAfter(page, "signedOut");

    expect(await signIn(page, user.email, newPassword)).toBe("signedIn");
    expect(await eventTypes(page)).toEqual([
      "migrated",
      "signedIn",
      "signedOut",
      "resynced",
      "migrated",
      "signedIn",
    ]);
    await browser.screenshot(page, "realm-primary-resync-after-realm-reset");
    expect(await t.cognitoAccepts(user.email, newPassword)).toBe(true);
    expect(await t.cognitoAccepts(user.email, user.password)).toBe(false);
    await page.close();
  });
});
