// flowerbase (github.com/flowerforce/flowerbase), the one public App Services-compatible server, limits
// logins per client address: AUTH_LOGIN_MAX_ATTEMPTS (default 10) per AUTH_RATE_LIMIT_WINDOW_MS (default
// 15 minutes), answered 429 {"message":"Too many requests"}, with no proxy trust (the TCP peer is the
// client). Every trigger login comes from Lambda's few addresses, so the default stalls the migration.
// The emulator reproduces that limit (`loginLimitPerAddress`); these tests run the trigger against it.
import { COGNITO_DEFAULT_PASSWORD_POLICY } from "@realm-to-cognito/core";
import { AuthClient } from "@realm-to-cognito/realm";
import { type AppServicesEmulator, startAppServicesEmulator } from "@realm-to-cognito/sandbox";
import { afterEach, describe, expect, it } from "vitest";
import { createUserMigrationHandler } from "../src/migrate-from-realm.js";
import { captureLog, cognitoEvent, emulatorAdmin } from "./support.js";

const FLOWERBASE_DEFAULT = { max: 10, windowMs: 15 * 60_000 };
let realm: AppServicesEmulator | undefined;

afterEach(async () => {
  await realm?.stop();
  realm = undefined;
});

async function flowerbaseLike(loginLimitPerAddress: { max: number; windowMs: number }) {
  realm = await startAppServicesEmulator({ loginLimitPerAddress });
  const users = Array.from({ length: 12 }, (_, i) => ({
    email: `fb${i}@example.com`,
    password: `Flower-pass-${i}!`,
  }));
  const admin = emulatorAdmin(realm);
  for (const user of users) await admin.createUser(user.email, user.password);
  const logs = captureLog();
  const handler = createUserMigrationHandler({
    mode: "realm-primary",
    realm: new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl }),
    realmTimeoutMs: 2000,
    mongoIdField: "_id",
    attributeMapping: {},
    passwordPolicy: COGNITO_DEFAULT_PASSWORD_POLICY,
    directory: undefined,
    log: logs.log,
  });
  const signIns = [];
  for (const user of users)
    signIns.push(
      await handler(cognitoEvent({ userName: user.email, password: user.password })).then(
        () => "migrated",
        () => "refused",
      ),
    );
  return { signIns, logs };
}

describe("the trigger against flowerbase's login limit", () => {
  it("with flowerbase's default, refuses every sign-in past the 10th and says which setting to raise", async () => {
    const { signIns, logs } = await flowerbaseLike(FLOWERBASE_DEFAULT);
    expect(signIns.filter((outcome) => outcome === "migrated")).toHaveLength(10);
    expect(signIns.slice(10)).toEqual(["refused", "refused"]);
    const throttled = logs.lines().filter((line) => line.reason === "realm-throttled");
    expect(throttled).toHaveLength(2);
    expect(throttled[0]?.level).toBe(50); // an alarm, not a routine refusal
    expect(JSON.stringify(throttled[0])).toContain("AUTH_LOGIN_MAX_ATTEMPTS");
  });

  it("migrates everyone once the server's limit is raised as the runbook says", async () => {
    const { signIns } = await flowerbaseLike({ max: 100_000, windowMs: 15 * 60_000 });
    expect(signIns.every((outcome) => outcome === "migrated")).toBe(true);
  });
});
