import {
  type AppServicesEmulator,
  type SeedSummary,
  startAppServicesEmulator,
} from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AdminClient,
  type AdminClientOptions,
  AuthClient,
  emailOf,
  RealmRejectedError,
  RealmTimeoutError,
  RealmUnavailableError,
} from "../src/index.js";
import { countingFetch, rejectionOf, startStubServer } from "./helpers.js";

let clock = Date.now();
let realm: AppServicesEmulator;
let seeded: SeedSummary;
let auth: AuthClient;

beforeAll(async () => {
  realm = await startAppServicesEmulator({ accessTokenTtlSeconds: 600, now: () => clock });
  seeded = await realm.seed({ count: 500, seed: 3 });
  auth = new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl });
});

afterAll(async () => {
  await realm.stop();
});

function admin(overrides: Partial<AdminClientOptions> = {}): AdminClient {
  return new AdminClient({
    baseUrl: realm.adminBaseUrl,
    groupId: realm.groupId,
    appObjectId: realm.appObjectId,
    ...realm.apiKey,
    backoffMs: 1,
    ...overrides,
  });
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe("AdminClient against the App Services emulator", () => {
  it("checks its API key, and refuses a wrong one", async () => {
    await admin().checkCredentials();
    const error = await rejectionOf(admin({ privateKey: "wrong" }).checkCredentials());
    expect(error).toBeInstanceOf(RealmRejectedError);
    expect(error).toMatchObject({ status: 401 });
  });

  it("pages through more than 50 users with `after`, ascending, none twice", async () => {
    const client = admin();
    const first = await client.listUsers();
    expect(first).toHaveLength(50);
    const second = await client.listUsers({ after: first.at(-1)!.id });
    expect(second[0]!.id > first.at(-1)!.id).toBe(true);

    const users = await all(client.users());
    const expected = seeded.byState.active! + seeded.byState.disabled!;
    expect(users).toHaveLength(expected);
    const ids = users.map((user) => user.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(emailOf(users[0]!)).toMatch(/^user\d+@example\.com$/);
    expect(users[0]!.creationDate).toBeGreaterThan(0);
  });

  it("filters users by status and provider type", async () => {
    const client = admin();
    const disabled = await all(client.users({ status: "disabled" }));
    expect(disabled).toHaveLength(seeded.byState.disabled!);
    expect(disabled.every((user) => user.disabled)).toBe(true);
    const enabled = await client.listUsers({ status: "enabled" });
    expect(enabled.every((user) => !user.disabled)).toBe(true);
    expect(await client.listUsers({ providerTypes: ["anon-user"] })).toEqual([]);
    expect(await client.listUsers({ providerTypes: ["local-userpass", "anon-user"] })).toHaveLength(50);
  });

  it("pages pending registrations with `after`", async () => {
    const client = admin();
    const pending = await all(client.pendingUsers());
    expect(pending).toHaveLength(seeded.byState.pending! + seeded.byState["never-logged-in"]!);
    expect(pending.length).toBeGreaterThan(50);
    const firstPage = await client.listPendingUsers();
    expect(firstPage).toHaveLength(50);
    const rest = await client.listPendingUsers(firstPage.at(-1)!.id);
    expect(rest[0]?.id).toBe(pending[50]?.id);
  });

  it("creates, gets, disables, enables, logs out and deletes a user", async () => {
    const client = admin();
    const created = await client.createUser("managed@example.com", "password1");
    expect(emailOf(created)).toBe("managed@example.com");
    expect((await client.getUser(created.id)).id).toBe(created.id);

    const session = await auth.login("managed@example.com", "password1");
    await client.logoutUser(created.id);
    expect(await rejectionOf(auth.refreshAccessToken(session.refreshToken))).toMatchObject({
      errorCode: "InvalidSession",
    });

    await client.disableUser(created.id);
    expect((await client.getUser(created.id)).disabled).toBe(true);
    expect(await rejectionOf(auth.login("managed@example.com", "password1"))).toMatchObject({
      errorCode: "UserDisabled",
    });
    await client.enableUser(created.id);
    await auth.login("managed@example.com", "password1");

    await client.deleteUser(created.id);
    expect(await rejectionOf(client.getUser(created.id))).toMatchObject({
      status: 404,
      errorCode: "UserNotFound",
    });
    expect(await rejectionOf(client.createUser("x@example.com", "short"))).toMatchObject({ status: 400 });
  });

  it("confirms and deletes pending registrations", async () => {
    const client = admin();
    await auth.register("confirm-me@example.com", "password1");
    await auth.register("drop-me@example.com", "password1");
    await client.confirmPendingUser("confirm-me@example.com");
    await auth.login("confirm-me@example.com", "password1");
    await client.deletePendingUser("drop-me@example.com");
    const emails = (await all(client.pendingUsers())).map((user) => user.email);
    expect(emails).not.toContain("confirm-me@example.com");
    expect(emails).not.toContain("drop-me@example.com");
    expect(await rejectionOf(client.deletePendingUser("drop-me@example.com"))).toMatchObject({ status: 404 });
  });

  it("logs in again when its access token has expired, and carries on", async () => {
    const counting = countingFetch();
    const client = admin({ fetch: counting.fetch });
    await client.listUsers();
    clock += 601_000;
    await client.listUsers();
    const logins = counting.calls.filter((call) => call.url.endsWith("/mongodb-cloud/login"));
    expect(logins).toHaveLength(2);
    expect(counting.calls.filter((call) => call.url.includes("/users"))).toHaveLength(3); // 200, 401, 200
  });

  it("retries a failed read but never a write", async () => {
    const reads = countingFetch(
      (method, url, call) => method === "GET" && url.includes("/users") && call === 2,
    );
    const users = await admin({ fetch: reads.fetch }).listUsers();
    expect(users).toHaveLength(50);
    expect(reads.calls.filter((call) => call.method === "GET")).toHaveLength(2);

    const target = (await admin().listUsers())[0]!;
    const writes = countingFetch((method) => method === "PUT");
    const error = await rejectionOf(admin({ fetch: writes.fetch }).disableUser(target.id));
    expect(error).toBeInstanceOf(RealmUnavailableError);
    expect(writes.calls.filter((call) => call.method === "PUT")).toHaveLength(1);
  });

  it("refuses a wrong project or app id with 404", async () => {
    const error = await rejectionOf(admin({ appObjectId: "0".repeat(24), readAttempts: 1 }).listUsers());
    expect(error).toMatchObject({ status: 404 });
  });

  it("gives up on a server that never answers with RealmTimeoutError", async () => {
    const silent = await startStubServer(() => {});
    try {
      const client = new AdminClient({
        baseUrl: silent.url,
        groupId: realm.groupId,
        appObjectId: realm.appObjectId,
        ...realm.apiKey,
        timeoutMs: 200,
        readAttempts: 3,
        backoffMs: 1,
      });
      expect(await rejectionOf(client.listUsers())).toBeInstanceOf(RealmTimeoutError);
      expect(silent.requests()).toBe(1); // the login itself, never retried even by a read that may retry
    } finally {
      await silent.stop();
    }
  });
});
