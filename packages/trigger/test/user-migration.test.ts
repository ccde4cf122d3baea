import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  COGNITO_DEFAULT_PASSWORD_POLICY,
  formatSnapshotLine,
  type SnapshotLine,
} from "@realm-to-cognito/core";
import { AuthClient } from "@realm-to-cognito/realm";
import {
  type AppServicesEmulator,
  seededPassword,
  startAppServicesEmulator,
} from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminApiDirectory, SnapshotDirectory, type UserDirectory } from "../src/directory.js";
import { SIGN_IN_REFUSED_MESSAGE } from "../src/errors.js";
import { createUserMigrationHandler, type UserMigrationServices } from "../src/migrate-from-realm.js";
import {
  captureLog,
  closedPortUrl,
  cognitoEvent,
  cognitoLocalEvent,
  emulatorAdmin,
  startHangingServer,
} from "./support.js";

const SEED = 7;
const ACTIVE = { email: "user1@example.com", password: seededPassword(SEED, 1) };
const NEVER_LOGGED_IN = { email: "user2@example.com", password: seededPassword(SEED, 2) };
const PENDING = { email: "user3@example.com", password: seededPassword(SEED, 3) };
const DISABLED = { email: "user4@example.com", password: seededPassword(SEED, 4) };

let realm: AppServicesEmulator;
let hanging: Awaited<ReturnType<typeof startHangingServer>>;
let workDir: string;

beforeAll(async () => {
  realm = await startAppServicesEmulator();
  await realm.seed({ count: 6, seed: SEED });
  hanging = await startHangingServer();
  workDir = await mkdtemp(path.join(tmpdir(), "trigger-migration-"));
});

afterAll(async () => {
  await realm?.stop();
  await hanging?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function realmClient(baseUrl = realm.baseUrl): AuthClient {
  return new AuthClient({ appId: realm.appId, baseUrl });
}

function migration(overrides: Partial<UserMigrationServices> = {}) {
  const captured = captureLog();
  const handler = createUserMigrationHandler({
    mode: "realm-primary",
    realm: realmClient(),
    realmTimeoutMs: 3500,
    mongoIdField: "_id",
    attributeMapping: {},
    passwordPolicy: COGNITO_DEFAULT_PASSWORD_POLICY,
    directory: undefined,
    log: captured.log,
    ...overrides,
  });
  return { handler, logs: captured };
}

function adminDirectory(): UserDirectory {
  return new AdminApiDirectory(emulatorAdmin(realm));
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

function documentOf(realmUserId: string): Record<string, unknown> | undefined {
  return realm.userDocuments().find((document) => document.user_id === realmUserId);
}

describe("UserMigration_Authentication", () => {
  it("returns the Realm user's attributes, CONFIRMED and suppressed, for the right password", async () => {
    const { handler } = migration();
    const result = await handler(cognitoEvent({ userName: ACTIVE.email, password: ACTIVE.password }));
    const session = await realmClient().login(ACTIVE.email, ACTIVE.password);
    const response = result.response as Record<string, unknown>;
    expect(response.userAttributes).toEqual({
      email: ACTIVE.email,
      email_verified: "true",
      "custom:realm_user_id": session.userId,
      "custom:mongo_id": documentOf(session.userId)?._id,
      "custom:migration_state": "realm-password", // the phase-1 endpoints may act on this user
    });
    expect(response.finalUserStatus).toBe("CONFIRMED");
    expect(response.messageAction).toBe("SUPPRESS");
    expect(response.desiredDeliveryMediums).toEqual(["EMAIL"]);
    expect(response.userAttributes).not.toHaveProperty("sub");
    expect(result.triggerSource).toBe("UserMigration_Authentication");
  });

  it("accepts the event exactly as cognito-local sends it", async () => {
    const { handler } = migration();
    const result = await handler(cognitoLocalEvent(ACTIVE.email, ACTIVE.password));
    const response = result.response as Record<string, unknown>;
    expect(response.finalUserStatus).toBe("CONFIRMED");
    expect(result.region).toBe("local");
  });

  it("migrates a confirmed user who never logged in to Realm", async () => {
    const { handler } = migration();
    const result = await handler(
      cognitoEvent({ userName: NEVER_LOGGED_IN.email, password: NEVER_LOGGED_IN.password }),
    );
    const attributes = (result.response as { userAttributes: Record<string, string> }).userAttributes;
    expect(attributes["custom:realm_user_id"]).toMatch(/^[0-9a-f]{24}$/);
    expect(attributes.email_verified).toBe("true");
  });

  it("answers RESET_REQUIRED when the password breaks the configured policy", async () => {
    const { handler } = migration({
      passwordPolicy: { ...COGNITO_DEFAULT_PASSWORD_POLICY, minimumLength: 30 },
    });
    const result = await handler(cognitoEvent({ userName: ACTIVE.email, password: ACTIVE.password }));
    expect((result.response as Record<string, unknown>).finalUserStatus).toBe("RESET_REQUIRED");
  });

  it("maps configured extra attributes and reads the mongo id from the configured field", async () => {
    const { handler } = migration({
      attributeMapping: { "custom:display_name": "name" },
      mongoIdField: "user_id",
    });
    const result = await handler(cognitoEvent({ userName: ACTIVE.email, password: ACTIVE.password }));
    const attributes = (result.response as { userAttributes: Record<string, string> }).userAttributes;
    const document = documentOf(attributes["custom:realm_user_id"] ?? "");
    expect(attributes["custom:display_name"]).toBe(document?.name);
    expect(attributes["custom:display_name"]).toEqual(expect.any(String));
    expect(attributes["custom:mongo_id"]).toBe(attributes["custom:realm_user_id"]);
  });

  it("reads a mongo id given as Extended JSON {$oid}", async () => {
    const oid = "65a1b2c3d4e5f60718293a4b";
    const claims = { sub: "65a1b2c3d4e5f60718293a00", exp: 2e9, iat: 1e9, user_data: { _id: { $oid: oid } } };
    const token = `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
    const fakeRealm = new AuthClient({
      appId: "app",
      baseUrl: "http://realm.invalid",
      skipLocation: true,
      fetch: async () =>
        new Response(
          JSON.stringify({ access_token: token, refresh_token: "r", user_id: claims.sub, device_id: "d" }),
          { headers: { "content-type": "application/json" } },
        ),
    });
    const { handler } = migration({ realm: fakeRealm });
    const result = await handler(cognitoEvent({ userName: "ada@example.com", password: "Whatever-1" }));
    expect(
      (result.response as { userAttributes: Record<string, string> }).userAttributes["custom:mongo_id"],
    ).toBe(oid);
  });

  it("refuses a wrong password, an unknown, a pending and a disabled user with one identical message", async () => {
    const { handler, logs } = migration();
    const attempts = [
      { userName: ACTIVE.email, password: "Wrong-password-1" },
      { userName: "nobody@example.com", password: ACTIVE.password },
      { userName: PENDING.email, password: PENDING.password },
      { userName: DISABLED.email, password: DISABLED.password },
    ];
    const errors = await Promise.all(attempts.map((attempt) => refusal(handler(cognitoEvent(attempt)))));
    for (const error of errors) {
      expect(error.message).toBe(SIGN_IN_REFUSED_MESSAGE);
      expect(error.name).toBe("SignInRefused");
    }
    const reasons = logs.lines().map((line) => line.reason);
    expect(reasons).toEqual(expect.arrayContaining(["wrong-credentials", "user-disabled"]));
  });

  it("refuses at once when Realm is down", async () => {
    const { handler, logs } = migration({ realm: realmClient(await closedPortUrl()) });
    const started = performance.now();
    const error = await refusal(handler(cognitoEvent({ userName: ACTIVE.email, password: ACTIVE.password })));
    expect(error.message).toBe(SIGN_IN_REFUSED_MESSAGE);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(logs.lines().at(-1)?.reason).toBe("realm-unavailable");
  });

  it("refuses within the deadline when Realm hangs", async () => {
    const { handler, logs } = migration({ realm: realmClient(hanging.url), realmTimeoutMs: 300 });
    const started = performance.now();
    const error = await refusal(handler(cognitoEvent({ userName: ACTIVE.email, password: ACTIVE.password })));
    const elapsed = performance.now() - started;
    expect(error.message).toBe(SIGN_IN_REFUSED_MESSAGE);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
    expect(logs.lines().at(-1)?.reason).toBe("realm-timeout");
  });

  it("refuses an event that carries no password", async () => {
    const { handler } = migration();
    const event = cognitoEvent({ userName: ACTIVE.email });
    delete (event.request as Record<string, unknown>).password;
    expect((await refusal(handler(event))).message).toBe(SIGN_IN_REFUSED_MESSAGE);
  });
});

describe("UserMigration_ForgotPassword", () => {
  const forgot = (userName: string) =>
    cognitoEvent({ triggerSource: "UserMigration_ForgotPassword", userName });

  it("refuses in realm-primary mode, where resets belong to Realm", async () => {
    const { handler, logs } = migration({ directory: adminDirectory() });
    await refusal(handler(forgot(ACTIVE.email)));
    expect(logs.lines().at(-1)?.reason).toBe("mode");
  });

  it("refuses in cognito-primary mode without a user directory", async () => {
    const { handler, logs } = migration({ mode: "cognito-primary" });
    await refusal(handler(forgot(ACTIVE.email)));
    expect(logs.lines().at(-1)?.reason).toBe("no-directory");
  });

  it("refuses an event that carries a password", async () => {
    const { handler } = migration({ mode: "cognito-primary", directory: adminDirectory() });
    const event = forgot(ACTIVE.email);
    (event.request as Record<string, unknown>).password = "Sneaky-1";
    await refusal(handler(event));
  });

  describe("through the Realm Admin API", () => {
    it("returns a confirmed user with RESET_REQUIRED, matching the email without case", async () => {
      const { handler } = migration({ mode: "cognito-primary", directory: adminDirectory() });
      const result = await handler(forgot("USER1@Example.COM"));
      const session = await realmClient().login(ACTIVE.email, ACTIVE.password);
      const response = result.response as Record<string, unknown>;
      expect(response.finalUserStatus).toBe("RESET_REQUIRED");
      expect(response.messageAction).toBe("SUPPRESS");
      expect(response.userAttributes).toEqual({
        email: ACTIVE.email,
        email_verified: "true",
        "custom:realm_user_id": session.userId,
        "custom:migration_state": "imported",
      });
    });

    it("refuses disabled, pending and unknown users", async () => {
      const { handler } = migration({ mode: "cognito-primary", directory: adminDirectory() });
      for (const email of [DISABLED.email, PENDING.email, "nobody@example.com"]) {
        expect((await refusal(handler(forgot(email)))).message).toBe(SIGN_IN_REFUSED_MESSAGE);
      }
    });
  });

  describe("through a snapshot file", () => {
    const line = (user: Partial<SnapshotLine> & { email: string }): SnapshotLine => ({
      realmUserId: "65a1b2c3d4e5f60718293a01",
      mongoId: "75a1b2c3d4e5f60718293a01",
      confirmed: true,
      disabled: false,
      source: "admin-api",
      ...user,
    });

    async function snapshotDirectory(lines: SnapshotLine[], extra = ""): Promise<SnapshotDirectory> {
      const file = path.join(workDir, `snapshot-${Math.random().toString(36).slice(2)}.ndjson`);
      await writeFile(file, `${lines.map(formatSnapshotLine).join("\n")}\n${extra}`);
      return new SnapshotDirectory(file);
    }

    it("returns a confirmed user with the mongo id and RESET_REQUIRED, matching the email without case", async () => {
      const directory = await snapshotDirectory([line({ email: "Grace@Example.com" })], "not json\n");
      const { handler } = migration({ mode: "cognito-primary", directory });
      const result = await handler(forgot("grace@example.COM"));
      expect(result.response).toMatchObject({
        finalUserStatus: "RESET_REQUIRED",
        userAttributes: {
          email: "Grace@Example.com",
          email_verified: "true",
          "custom:realm_user_id": "65a1b2c3d4e5f60718293a01",
          "custom:mongo_id": "75a1b2c3d4e5f60718293a01",
          "custom:migration_state": "imported", // no password from Realm: never the endpoints' to touch
        },
      });
    });

    it("refuses unconfirmed, disabled, id-less and ambiguous users", async () => {
      const directory = await snapshotDirectory([
        line({
          email: "pending@example.com",
          confirmed: false,
          realmUserId: undefined,
          source: "pending-registrations",
        }),
        line({ email: "off@example.com", disabled: true }),
        line({ email: "twice@example.com", realmUserId: "65a1b2c3d4e5f60718293a02" }),
        line({ email: "TWICE@example.com", realmUserId: "65a1b2c3d4e5f60718293a03" }),
      ]);
      const { handler, logs } = migration({ mode: "cognito-primary", directory });
      for (const email of [
        "pending@example.com",
        "off@example.com",
        "twice@example.com",
        "none@example.com",
      ]) {
        await refusal(handler(forgot(email)));
      }
      expect(logs.lines().map((entry) => entry.reason)).toEqual([
        "not-eligible",
        "not-eligible",
        "not-in-directory",
        "not-in-directory",
      ]);
    });

    it("refuses when the snapshot file is missing", async () => {
      const { handler, logs } = migration({
        mode: "cognito-primary",
        directory: new SnapshotDirectory(path.join(workDir, "missing.ndjson")),
      });
      await refusal(handler(forgot(ACTIVE.email)));
      expect(logs.lines().at(-1)?.reason).toBe("directory-unavailable");
    });
  });
});
