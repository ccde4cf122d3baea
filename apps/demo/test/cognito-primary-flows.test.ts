// The decision table's cognito-primary column, driven through the demo page in Chromium.
import { AuthClient, RealmRejectedError } from "@realm-to-cognito/realm";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, eventTypes, fill, openBrowser, signIn, statusAfter, submit } from "./browser.js";
import { freshEmail, startTestDemoWorld, type TestDemoWorld } from "./world.js";

let t: TestDemoWorld;
let browser: Browser;
let realm: AuthClient;

const SWITCH_DATE = "1 December 2026";
const OFFER_TEXT = `Wrong email or password — if you have not signed in since ${SWITCH_DATE}, reset your password.`;

beforeAll(async () => {
  [t, browser] = await Promise.all([
    startTestDemoWorld("cognito-primary", 30, { switchDate: SWITCH_DATE }),
    openBrowser(),
  ]);
  realm = new AuthClient({ appId: t.world.realm.appId, baseUrl: t.world.realm.baseUrl });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** A refused sign-in: the page shows the one message and offers the reset; the offer sends the code. */
async function takeResetOffer(page: Page): Promise<void> {
  expect(await page.textContent("#status")).toBe(OFFER_TEXT);
  expect(await page.isVisible("#reset-offer button")).toBe(true);
  await page.click("#reset-offer button");
  await statusAfter(page, "resetSent");
}

/** From "reset required" to a new password: the code comes from cognito-local, as a user's mail would. */
async function finishReset(page: Page, newPassword: string): Promise<void> {
  expect(await page.getAttribute("#reset-password", "class")).toContain("focus");
  await page.click("#reset-password button.sandbox-inbox");
  await statusAfter(page, "inbox");
  expect(await page.inputValue('#reset-password [name="code"]')).toMatch(/^\d+$/);
  await fill(page, "#reset-password", { password: newPassword });
  expect(await submit(page, "#reset-password")).toBe("passwordChanged");
}

describe("cognito-primary in the browser", () => {
  it("signs up, confirms and signs in with Cognito alone; Realm never hears of the user", async () => {
    const page = await browser.newPage(t.demo.url);
    expect(await page.textContent("#mode-badge")).toBe("cognito-primary");
    expect(await page.isVisible("#lapsed-banner")).toBe(true);
    const email = freshEmail("page-cognito-signup");
    const password = "Cognito-Page-1";

    await fill(page, "#sign-up", { email, password });
    expect(await submit(page, "#sign-up")).toBe("confirmationSent");
    expect((await t.cognitoUser(email))?.status).toBe("UNCONFIRMED");
    await page.click("#confirm-sign-up button.sandbox-inbox");
    await statusAfter(page, "inbox");
    expect(await submit(page, "#confirm-sign-up")).toBe("confirmed");
    expect(await signIn(page, email, password)).toBe("signedIn");
    expect(await page.textContent("#session-via")).toBe("Cognito");
    await browser.screenshot(page, "cognito-primary-sign-up-confirm-sign-in");

    expect((await t.cognitoUser(email))?.status).toBe("CONFIRMED");
    expect(t.world.realm.outbox.all().some((mail) => mail.to === email)).toBe(false);
    await expect(realm.login(email, password)).rejects.toBeInstanceOf(RealmRejectedError);
    await page.close();
  });

  it("leads an admin-create-engine user, refused as a stranger is, into the reset, then signs them in", async () => {
    expect(t.world.userExistenceErrors).toBe("hidden");
    const user = t.takeSeeded("active");
    const realmUserId = (await realm.login(user.email, user.password)).userId;
    await t.importLapsedUser(user.email, { "custom:realm_user_id": realmUserId });
    const page = await browser.newPage(t.demo.url);
    await browser.screenshot(page, "cognito-primary-lapsed-banner");

    expect(await signIn(page, user.email, user.password)).toBe("failed");
    await browser.screenshot(page, "cognito-primary-hidden-existence-reset-offer");
    await takeResetOffer(page);
    expect(await eventTypes(page)).toEqual(["resetSuggested", "resetRequested"]);
    const newPassword = "After-Import-6";
    await finishReset(page, newPassword);
    await browser.screenshot(page, "cognito-primary-imported-user-reset");
    expect(await signIn(page, user.email, newPassword)).toBe("signedIn");

    const cognitoUser = await t.cognitoUser(user.email);
    expect(cognitoUser?.status).toBe("CONFIRMED");
    expect(cognitoUser?.attributes["custom:realm_user_id"]).toBe(realmUserId);
    expect(await t.cognitoAccepts(user.email, newPassword)).toBe(true);
    await page.close();
  });

  it("leads a CSV-engine user (RESET_REQUIRED) into the reset the same way, then signs them in", async () => {
    const user = t.takeSeeded("active");
    await t.world.importAsCsvJob([{ email: user.email, attributes: { "custom:mongo_id": "csv-row-1" } }]);
    expect((await t.cognitoUser(user.email))?.status).toBe("RESET_REQUIRED");
    const page = await browser.newPage(t.demo.url);

    expect(await signIn(page, user.email, user.password)).toBe("failed");
    await takeResetOffer(page);
    await finishReset(page, "After-Csv-Import-8");
    expect(await signIn(page, user.email, "After-Csv-Import-8")).toBe("signedIn");
    expect(await t.cognitoUser(user.email)).toMatchObject({
      status: "CONFIRMED",
      attributes: { "custom:mongo_id": "csv-row-1" },
    });
    await page.close();
  });

  it("shows a stranger the same page and the same offer, which sends nothing anywhere", async () => {
    const page = await browser.newPage(t.demo.url);
    const stranger = freshEmail("page-stranger");
    expect(await signIn(page, stranger, "Some-Password-1")).toBe("failed");
    await takeResetOffer(page);
    expect(await page.textContent("#status")).toBe(
      `If ${stranger} has an account, we sent it a reset code: enter it below.`,
    );
    expect(await t.cognitoUser(stranger)).toBeUndefined();
    await page.close();
  });

  it("migrates a Realm user whose password fails the pool's policy as RESET_REQUIRED and leads them into the reset", async () => {
    const email = freshEmail("weak-realm-page");
    await realm.register(email, "weakpass");
    const mail = t.world.realm.outbox.latest(email, "confirm");
    if (!mail) throw new Error("no confirmation mail");
    await realm.confirm(mail.token, mail.tokenId);
    const page = await browser.newPage(t.demo.url);

    expect(await signIn(page, email, "weakpass")).toBe("failed");
    expect((await t.cognitoUser(email))?.status).toBe("RESET_REQUIRED");
    await takeResetOffer(page);
    await finishReset(page, "Strong-Enough-7");
    await browser.screenshot(page, "cognito-primary-policy-reset");
    expect(await signIn(page, email, "Strong-Enough-7")).toBe("signedIn");
    await page.close();
  });

  it("still migrates a Realm user nobody imported when they sign in (the trigger stays on)", async () => {
    const user = t.takeSeeded("active");
    const page = await browser.newPage(t.demo.url);
    expect(await signIn(page, user.email, user.password)).toBe("signedIn");
    await browser.screenshot(page, "cognito-primary-lazy-migration");
    const migrated = await t.cognitoUser(user.email);
    expect(migrated?.attributes).toMatchObject({ email: user.email, email_verified: "true" });
    expect(migrated?.attributes["custom:realm_user_id"]).toMatch(/^[0-9a-f]{24}$/);
    await page.close();
  });

  it("resets a Realm user not yet in Cognito: the ForgotPassword trigger creates them, then the code works", async () => {
    const user = t.takeSeeded("active");
    expect(await t.cognitoUser(user.email)).toBeUndefined();
    const page = await browser.newPage(t.demo.url);
    await fill(page, "#forgot-password", { email: user.email });
    expect(await submit(page, "#forgot-password")).toBe("resetSent");
    await browser.screenshot(page, "cognito-primary-reset-user-not-yet-imported");
    expect((await t.cognitoUser(user.email))?.attributes["custom:realm_user_id"]).toMatch(/^[0-9a-f]{24}$/);
    await finishReset(page, "Before-Import-9");
    expect(await signIn(page, user.email, "Before-Import-9")).toBe("signedIn");
    await page.close();
  });

  it("refuses a wrong password for a migrated user as it refuses anyone, with the reset offer", async () => {
    const user = t.takeSeeded("active");
    const page = await browser.newPage(t.demo.url);
    expect(await signIn(page, user.email, user.password)).toBe("signedIn");
    await page.click("#sign-out");
    await statusAfter(page, "signedOut");
    expect(await signIn(page, user.email, "Wrong-Password-9")).toBe("failed");
    expect(await page.textContent("#status")).toBe(OFFER_TEXT);
    expect(await page.isVisible("#reset-offer button")).toBe(true);
    await browser.screenshot(page, "cognito-primary-wrong-password");
    await page.close();
  });
});
