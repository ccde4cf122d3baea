import { AuthClient } from "@realm-to-cognito/realm";
import { type AppServicesEmulator, startAppServicesEmulator } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResyncPasswordHandler } from "../src/heal-stale-password.js";
import { RateLimiter } from "../src/rate-limit.js";
import { createPasswordResetRequestedHandler } from "../src/stale-on-reset.js";
import { captureLog, emulatorAdmin, httpEvent, MemoryPool } from "./support.js";

const ADA = { email: "ada@example.com", password: "Ada-pass-1!" };
let realm: AppServicesEmulator;
let adaId: string;

beforeAll(async () => {
  realm = await startAppServicesEmulator();
  const admin = emulatorAdmin(realm);
  adaId = (await admin.createUser(ADA.email, ADA.password)).id;
});

afterAll(async () => {
  await realm?.stop();
});

function limits(capacity = 100) {
  return {
    perEmail: new RateLimiter({ capacity, perMinute: 1 }),
    perAddress: new RateLimiter({ capacity: capacity * 2, perMinute: 1 }),
  };
}

function resetEndpoint(
  pool: MemoryPool,
  options: { mode?: "realm-primary" | "cognito-primary"; capacity?: number } = {},
) {
  const logs = captureLog();
  const handler = createPasswordResetRequestedHandler({
    mode: options.mode ?? "realm-primary",
    pool,
    limits: limits(options.capacity),
    log: logs.log,
  });
  return { handler, logs };
}

function resyncEndpoint(
  pool: MemoryPool,
  options: { mode?: "realm-primary" | "cognito-primary"; capacity?: number } = {},
) {
  const logs = captureLog();
  const handler = createResyncPasswordHandler({
    mode: options.mode ?? "realm-primary",
    realm: new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl }),
    realmTimeoutMs: 2000,
    pool,
    limits: limits(options.capacity),
    log: logs.log,
  });
  return { handler, logs };
}

const ACCEPTED = { statusCode: 202, body: '{"status":"accepted"}' };
const REFUSED = { statusCode: 401, body: '{"status":"refused"}' };

describe("password-reset-requested", () => {
  it("deletes only migrated users and answers every email alike", async () => {
    const pool = new MemoryPool();
    pool.add("Migrated@Example.com", { "custom:realm_user_id": adaId }, "x");
    pool.add("native@example.com", {}, "x");
    const { handler, logs } = resetEndpoint(pool);
    for (const email of ["migrated@example.com", "native@example.com", "ghost@example.com"]) {
      expect(await handler(httpEvent({ email }))).toMatchObject(ACCEPTED);
    }
    expect([...pool.users.keys()]).toEqual(["native@example.com"]);
    expect(logs.lines().map((line) => line.outcome)).toEqual([
      "deleted",
      "not-migrated-user",
      "not-in-cognito",
    ]);
  });

  it("does nothing in cognito-primary mode, where Cognito owns the password", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, { "custom:realm_user_id": adaId }, "x");
    const { handler } = resetEndpoint(pool, { mode: "cognito-primary" });
    expect(await handler(httpEvent({ email: ADA.email }))).toMatchObject(ACCEPTED);
    expect(pool.users.size).toBe(1);
  });

  it("stops acting on an email after its burst, still answering 202", async () => {
    const pool = new MemoryPool();
    const { handler, logs } = resetEndpoint(pool, { capacity: 2 });
    for (let i = 0; i < 3; i++)
      expect(await handler(httpEvent({ email: "X@example.com" }))).toMatchObject(ACCEPTED);
    pool.add("x@example.com", { "custom:realm_user_id": adaId }, "x");
    await handler(httpEvent({ email: "x@example.com" }, { sourceIp: "198.51.100.1" }));
    expect(pool.users.size).toBe(1);
    expect(logs.lines().map((line) => line.outcome)).toEqual([
      "not-in-cognito",
      "not-in-cognito",
      "rate-limited",
      "rate-limited",
    ]);
  });

  it("limits one client address across many emails", async () => {
    const { handler, logs } = resetEndpoint(new MemoryPool(), { capacity: 2 });
    for (let i = 0; i < 5; i++) await handler(httpEvent({ email: `u${i}@example.com` }));
    expect(logs.lines().map((line) => line.outcome)).toEqual([
      "not-in-cognito",
      "not-in-cognito",
      "not-in-cognito",
      "not-in-cognito",
      "rate-limited",
    ]);
  });

  it("still answers 202 when Cognito fails", async () => {
    const pool = new MemoryPool();
    pool.failWith = Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" });
    const { handler, logs } = resetEndpoint(pool);
    expect(await handler(httpEvent({ email: ADA.email }))).toMatchObject(ACCEPTED);
    expect(logs.lines().some((line) => line.outcome === "failed")).toBe(true);
  });

  it.each([
    ["not JSON", httpEvent(null, { raw: "{" })],
    ["no email", httpEvent({})],
    ["a malformed email", httpEvent({ email: "not-an-email" })],
    ["an oversized body", httpEvent({ email: `${"a".repeat(5000)}@example.com` })],
    ["not an HTTP event", { hello: "world" }],
  ])("answers 400 with a message for %s", async (_name, event) => {
    const answer = await resetEndpoint(new MemoryPool()).handler(event);
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body).error).toEqual(expect.any(String));
  });
});

describe("resync-password", () => {
  it("sets the Realm password on the migrated user, then reports it unchanged", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, { "custom:realm_user_id": adaId }, "Old-pass-1!");
    const { handler } = resyncEndpoint(pool);
    expect(await handler(httpEvent(ADA))).toMatchObject({ statusCode: 200, body: '{"status":"resynced"}' });
    expect(pool.users.get(ADA.email)?.password).toBe(ADA.password);
    expect(await handler(httpEvent(ADA))).toMatchObject({ statusCode: 200, body: '{"status":"unchanged"}' });
  });

  it("leaves a user not yet in Cognito to the next sign-in", async () => {
    const { handler } = resyncEndpoint(new MemoryPool());
    expect(await handler(httpEvent(ADA))).toMatchObject({
      statusCode: 200,
      body: '{"status":"not-migrated"}',
    });
  });

  it("removes the user when the pool's policy refuses the Realm password, so sign-in migrates them again", async () => {
    const pool = new MemoryPool();
    pool.policyMinimumLength = 50;
    pool.add(ADA.email, { "custom:realm_user_id": adaId }, "Old-pass-1!");
    const { handler } = resyncEndpoint(pool);
    expect(await handler(httpEvent(ADA))).toMatchObject({
      statusCode: 200,
      body: '{"status":"not-migrated"}',
    });
    expect(pool.users.size).toBe(0);
  });

  it("answers one identical 401 for a wrong password, another Realm user's id, the wrong mode and a flood", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, { "custom:realm_user_id": "65a1b2c3d4e5f60718293a4b" }, "Old-pass-1!");
    const wrong = await resyncEndpoint(new MemoryPool()).handler(
      httpEvent({ ...ADA, password: "Wrong-pass-1!" }),
    );
    const otherId = await resyncEndpoint(pool).handler(httpEvent(ADA));
    const mode = await resyncEndpoint(new MemoryPool(), { mode: "cognito-primary" }).handler(httpEvent(ADA));
    const flooded = resyncEndpoint(new MemoryPool(), { capacity: 1 });
    await flooded.handler(httpEvent(ADA));
    const flood = await flooded.handler(httpEvent(ADA));
    for (const answer of [wrong, otherId, mode, flood]) expect(answer).toMatchObject(REFUSED);
    expect(pool.users.get(ADA.email)?.password).toBe("Old-pass-1!");
  });

  it.each([
    ["no password", httpEvent({ email: ADA.email })],
    ["an empty password", httpEvent({ email: ADA.email, password: "" })],
    ["a password over 256 characters", httpEvent({ email: ADA.email, password: "A1!".repeat(90) })],
    ["a numeric email", httpEvent({ email: 42, password: "x" })],
  ])("answers 400 for %s", async (_name, event) => {
    const answer = await resyncEndpoint(new MemoryPool()).handler(event);
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body).error).toEqual(expect.any(String));
  });
});
