import { AuthClient } from "@realm-to-cognito/realm";
import { type AppServicesEmulator, startAppServicesEmulator } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CognitoCallError } from "../src/cognito-api.js";
import type { ResetAction } from "../src/config.js";
import { createResyncPasswordHandler } from "../src/heal-stale-password.js";
import { RateLimiter } from "../src/rate-limit.js";
import { createPasswordResetRequestedHandler } from "../src/stale-on-reset.js";
import { captureLog, emulatorAdmin, httpEvent, MemoryPool } from "./support.js";

const ADA = { email: "ada@example.com", password: "Ada-pass-1!" };
const BOB = { email: "bob@example.com", password: "Bob-pass-1!" };
let realm: AppServicesEmulator;
let adaId: string;

beforeAll(async () => {
  realm = await startAppServicesEmulator();
  const admin = emulatorAdmin(realm);
  adaId = (await admin.createUser(ADA.email, ADA.password)).id;
  await admin.createUser(BOB.email, BOB.password);
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

interface EndpointOptions {
  mode?: "realm-primary" | "cognito-primary";
  capacity?: number;
  onResetRequest?: ResetAction;
  responseMs?: number;
  deadlineMs?: number;
  resetTokenLifetimeMs?: number;
  now?: () => number;
}

function resetEndpoint(pool: MemoryPool, options: EndpointOptions = {}) {
  const logs = captureLog();
  const handler = createPasswordResetRequestedHandler({
    mode: options.mode ?? "realm-primary",
    realm: new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl }),
    pool,
    limits: limits(options.capacity),
    onResetRequest: options.onResetRequest ?? "scramble",
    timing: { responseMs: options.responseMs ?? 1, deadlineMs: options.deadlineMs ?? 5000 },
    log: logs.log,
  });
  return { handler, logs };
}

function resyncEndpoint(pool: MemoryPool, options: EndpointOptions = {}) {
  const logs = captureLog();
  const handler = createResyncPasswordHandler({
    mode: options.mode ?? "realm-primary",
    realm: new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl }),
    realmTimeoutMs: 2000,
    pool,
    limits: limits(options.capacity),
    onResetRequest: options.onResetRequest ?? "scramble",
    resetTokenLifetimeMs: options.resetTokenLifetimeMs ?? 30 * 60_000,
    ...(options.now ? { now: options.now } : {}),
    timing: { responseMs: options.responseMs ?? 1, deadlineMs: options.deadlineMs ?? 5000 },
    log: logs.log,
  });
  return { handler, logs };
}

const ACCEPTED = { statusCode: 202, body: '{"status":"accepted"}' };
const REFUSED = { statusCode: 401, body: '{"status":"refused"}' };
const migrated = (id: string) => ({ "custom:realm_user_id": id, "custom:migration_state": "realm-password" });

function resetMailsTo(email: string): number {
  return realm.outbox.all().filter((mail) => mail.to === email && mail.kind === "reset").length;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe("password-reset-requested", () => {
  it("by default keeps the user and its sub, scrambles the password, signs out and marks it stale", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, { ...migrated(adaId), "custom:plan": "pro" }, ADA.password);
    const before = { ...pool.user(ADA.email) };
    const { handler, logs } = resetEndpoint(pool);
    expect(await handler(httpEvent({ email: ADA.email }))).toMatchObject(ACCEPTED);
    const after = pool.user(ADA.email);
    expect(after?.username).toBe(before.username); // sub kept
    expect(after?.attributes).toMatchObject({ "custom:plan": "pro", "custom:migration_state": "stale" });
    expect(after?.password).not.toBe(ADA.password);
    expect(after?.password.length).toBeGreaterThanOrEqual(32);
    expect(after?.sessions).toBe(0);
    expect(logs.lines().map((line) => line.outcome)).toEqual(["scrambled"]);
  });

  it("makes Realm's own reset request itself: calling it is exactly requesting a reset", async () => {
    const pool = new MemoryPool();
    const mailsBefore = resetMailsTo(BOB.email);
    await resetEndpoint(pool).handler(httpEvent({ email: BOB.email }));
    expect(resetMailsTo(BOB.email)).toBe(mailsBefore + 1);
  });

  it("deletes instead with ON_RESET_REQUEST=delete (the seed's behaviour, opt-in)", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, migrated(adaId), ADA.password);
    const { handler, logs } = resetEndpoint(pool, { onResetRequest: "delete" });
    expect(await handler(httpEvent({ email: ADA.email }))).toMatchObject(ACCEPTED);
    expect(pool.users.size).toBe(0);
    expect(logs.lines().map((line) => line.outcome)).toEqual(["deleted"]);
  });

  it("never touches a user who signed up in Cognito, was imported, or carries no marker", async () => {
    const cases: Record<string, string>[] = [
      {},
      { "custom:realm_user_id": adaId, "custom:migration_state": "imported" },
      { "custom:realm_user_id": adaId }, // migrated before the marker existed: its password may be Cognito's
    ];
    for (const attributes of cases) {
      for (const onResetRequest of ["scramble", "delete"] as const) {
        const pool = new MemoryPool();
        pool.add(ADA.email, attributes, ADA.password);
        const { handler, logs } = resetEndpoint(pool, { onResetRequest });
        expect(await handler(httpEvent({ email: ADA.email }))).toMatchObject(ACCEPTED);
        expect(pool.user(ADA.email)).toMatchObject({ password: ADA.password, sessions: 1 });
        expect(pool.user(ADA.email)?.attributes).toEqual({
          email: ADA.email,
          email_verified: "true",
          ...attributes,
        });
        expect(logs.lines().map((line) => line.outcome)).toEqual(["not-migrated-user"]);
      }
    }
  });

  it("never touches an unconfirmed account, even one carrying a forged marker (a sign-up squat)", async () => {
    for (const endpoint of [resetEndpoint, resyncEndpoint]) {
      const pool = new MemoryPool();
      pool.add(ADA.email, migrated(adaId), "Squatter-pass-1!", "UNCONFIRMED");
      await endpoint(pool).handler(httpEvent(ADA));
      expect(pool.user(ADA.email)).toMatchObject({ password: "Squatter-pass-1!", sessions: 1 });
      expect(pool.user(ADA.email)?.attributes["custom:migration_state"]).toBe("realm-password");
    }
  });

  it("acts in Cognito only when Realm accepted the reset request", async () => {
    const pool = new MemoryPool();
    pool.add("ghost@example.com", migrated("65a1b2c3d4e5f60718293a4b"), "Ghost-pass-1!");
    const { handler, logs } = resetEndpoint(pool);
    expect(await handler(httpEvent({ email: "ghost@example.com" }))).toMatchObject(ACCEPTED);
    expect(pool.user("ghost@example.com")).toMatchObject({ password: "Ghost-pass-1!", sessions: 1 });
    expect(logs.lines().map((line) => line.outcome)).toEqual(["realm-refused-reset"]);
    expect(pool.calls).toEqual([]);
  });

  it("answers alike in status, body and time whether the user is migrated, native, or unknown", async () => {
    const pool = new MemoryPool();
    pool.delayMs = 40; // each Cognito call: a migrated user costs four, an unknown one none
    pool.add(ADA.email, migrated(adaId), ADA.password);
    pool.add(BOB.email, {}, BOB.password);
    const { handler } = resetEndpoint(pool, { responseMs: 400, deadlineMs: 300 });
    const answers = [];
    for (const email of [ADA.email, BOB.email, "nobody@example.com"])
      answers.push(await timed(() => handler(httpEvent({ email }))));
    for (const { value, ms } of answers) {
      expect(value).toEqual(answers[0]?.value);
      expect(ms).toBeGreaterThanOrEqual(399);
      expect(ms).toBeLessThan(600);
    }
  });

  it("cuts the work off at the padded time when Cognito hangs, still answering 202", async () => {
    const pool = new MemoryPool();
    pool.delayMs = 5000;
    pool.add(ADA.email, migrated(adaId), ADA.password);
    const { handler, logs } = resetEndpoint(pool, { responseMs: 300, deadlineMs: 200 });
    const { value, ms } = await timed(() => handler(httpEvent({ email: ADA.email })));
    expect(value).toMatchObject(ACCEPTED);
    expect(ms).toBeLessThan(700);
    expect(logs.lines().map((line) => line.outcome)).toEqual(["failed", "failed"]);
  });

  it("answers before the Lambda's own timeout when it is set below ENDPOINT_RESPONSE_MS", async () => {
    const pool = new MemoryPool();
    pool.delayMs = 5000;
    pool.add(ADA.email, migrated(adaId), ADA.password);
    const { handler } = resetEndpoint(pool, { responseMs: 3000, deadlineMs: 2900 });
    const { value, ms } = await timed(() =>
      handler(httpEvent({ email: ADA.email }), { getRemainingTimeInMillis: () => 600 }),
    );
    expect(value).toMatchObject(ACCEPTED);
    expect(ms).toBeGreaterThanOrEqual(399);
    expect(ms).toBeLessThan(600);
  });

  it("logs Realm being down as a failure (the user got no mail), still answering 202 and touching nobody", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, migrated(adaId), ADA.password);
    const logs = captureLog();
    const handler = createPasswordResetRequestedHandler({
      mode: "realm-primary",
      realm: new AuthClient({ appId: realm.appId, baseUrl: "http://127.0.0.1:9", skipLocation: true }),
      pool,
      limits: limits(),
      onResetRequest: "scramble",
      timing: { responseMs: 1, deadlineMs: 2000 },
      log: logs.log,
    });
    expect(await handler(httpEvent({ email: ADA.email }))).toMatchObject(ACCEPTED);
    expect(logs.lines().find((line) => line.outcome === "failed")?.level).toBe(50);
    expect(pool.calls).toEqual([]);
  });

  it("answers 410 in cognito-primary and touches nobody, not even Realm", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, migrated(adaId), ADA.password);
    const mailsBefore = resetMailsTo(ADA.email);
    const answer = await resetEndpoint(pool, { mode: "cognito-primary" }).handler(
      httpEvent({ email: ADA.email }),
    );
    expect(answer.statusCode).toBe(410);
    expect(JSON.parse(answer.body)).toMatchObject({ status: "gone" });
    expect(pool.calls).toEqual([]);
    expect(resetMailsTo(ADA.email)).toBe(mailsBefore);
  });

  it("checks the source first: a refused source charges no account", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, migrated(adaId), ADA.password);
    const perAddress = new RateLimiter({ capacity: 1, perMinute: 1 });
    const perEmail = new RateLimiter({ capacity: 2, perMinute: 1 });
    const handler = createPasswordResetRequestedHandler({
      mode: "realm-primary",
      realm: new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl }),
      pool,
      limits: { perAddress, perEmail },
      onResetRequest: "scramble",
      timing: { responseMs: 1, deadlineMs: 5000 },
      log: captureLog().log,
    });
    // The attacker's one allowed request charges ada once; its next 50 are refused at the source.
    for (let i = 0; i < 51; i++)
      await handler(httpEvent({ email: ADA.email }, { sourceIp: "198.51.100.66" }));
    pool.add(ADA.email, migrated(adaId), ADA.password); // ada heals
    await handler(httpEvent({ email: ADA.email }, { sourceIp: "203.0.113.5" })); // ada's own request
    expect(pool.user(ADA.email)?.attributes["custom:migration_state"]).toBe("stale");
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
  it("sets the Realm password on a phase-1 user, then reports it unchanged", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, migrated(adaId), "Old-pass-1!");
    const { handler } = resyncEndpoint(pool);
    expect(await handler(httpEvent(ADA))).toMatchObject({ statusCode: 200, body: '{"status":"resynced"}' });
    expect(pool.user(ADA.email)?.password).toBe(ADA.password);
    expect(await handler(httpEvent(ADA))).toMatchObject({ statusCode: 200, body: '{"status":"unchanged"}' });
  });

  it("heals a stale user once Realm's reset link has expired: the Realm password back, marked realm-password, sub kept", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, migrated(adaId), ADA.password);
    const username = pool.user(ADA.email)?.username;
    await resetEndpoint(pool).handler(httpEvent({ email: ADA.email }));
    expect(pool.user(ADA.email)?.attributes["custom:migration_state"]).toBe("stale");
    const requestedAt = Date.parse(pool.user(ADA.email)?.attributes["custom:reset_requested_at"] ?? "");
    expect(Math.abs(requestedAt - Date.now())).toBeLessThan(10_000);
    const afterTheLink = () => requestedAt + 30 * 60_000;
    expect(await resyncEndpoint(pool, { now: afterTheLink }).handler(httpEvent(ADA))).toMatchObject({
      statusCode: 200,
      body: '{"status":"resynced"}',
    });
    expect(pool.user(ADA.email)).toMatchObject({ username, password: ADA.password });
    expect(pool.user(ADA.email)?.attributes["custom:migration_state"]).toBe("realm-password");
  });

  it("refuses a stale user while the reset link may still be used, with the same 401", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, migrated(adaId), ADA.password);
    await resetEndpoint(pool).handler(httpEvent({ email: ADA.email }));
    const scrambled = pool.user(ADA.email)?.password;
    const requestedAt = Date.parse(pool.user(ADA.email)?.attributes["custom:reset_requested_at"] ?? "");
    const { handler, logs } = resyncEndpoint(pool, { now: () => requestedAt + 30 * 60_000 - 1 });
    expect(await handler(httpEvent(ADA))).toMatchObject(REFUSED);
    expect(pool.user(ADA.email)?.password).toBe(scrambled);
    expect(pool.user(ADA.email)?.attributes["custom:migration_state"]).toBe("stale");
    expect(logs.lines().some((line) => line.reason === "reset-pending")).toBe(true);
    // A shorter setting (a server whose links live 1 s) lets it through after that.
    const shortLived = resyncEndpoint(pool, { resetTokenLifetimeMs: 1_000, now: () => requestedAt + 1_000 });
    expect(await shortLived.handler(httpEvent(ADA))).toMatchObject({ statusCode: 200 });
  });

  it("on a pool without custom:reset_requested_at, marks stale alone, logs the fix, and waits from the last modification", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, migrated(adaId), ADA.password);
    pool.markStaleFailsWith = new CognitoCallError(
      "AdminUpdateUserAttributes",
      "InvalidParameterException",
      400,
    );
    const reset = resetEndpoint(pool);
    expect(await reset.handler(httpEvent({ email: ADA.email }))).toMatchObject(ACCEPTED);
    const user = pool.user(ADA.email);
    expect(user?.password).not.toBe(ADA.password);
    expect(user?.attributes["custom:migration_state"]).toBe("stale");
    expect(reset.logs.text()).toContain("custom:reset_requested_at");
    if (user) user.lastModified = Date.now();
    expect(await resyncEndpoint(pool).handler(httpEvent(ADA))).toMatchObject(REFUSED);
    const later = () => Date.now() + 30 * 60_000;
    expect(await resyncEndpoint(pool, { now: later }).handler(httpEvent(ADA))).toMatchObject({
      statusCode: 200,
    });
  });

  it("heals a stale user with neither a request time nor a modification time, as the older version did", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, { ...migrated(adaId), "custom:migration_state": "stale" }, "Random-stand-in-1!");
    expect(await resyncEndpoint(pool).handler(httpEvent(ADA))).toMatchObject({ statusCode: 200 });
    expect(pool.user(ADA.email)?.password).toBe(ADA.password);
  });

  it("never touches a user who set their password in Cognito (cognito-password)", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, { ...migrated(adaId), "custom:migration_state": "cognito-password" }, "Mine-1!xyz");
    expect(await resyncEndpoint(pool).handler(httpEvent(ADA))).toMatchObject(REFUSED);
    expect(pool.user(ADA.email)?.password).toBe("Mine-1!xyz");
    expect(await resetEndpoint(pool).handler(httpEvent({ email: ADA.email }))).toMatchObject(ACCEPTED);
    expect(pool.user(ADA.email)?.password).toBe("Mine-1!xyz");
    expect(pool.user(ADA.email)?.attributes["custom:migration_state"]).toBe("cognito-password");
  });

  it("leaves a user not yet in Cognito to the next sign-in", async () => {
    const { handler } = resyncEndpoint(new MemoryPool());
    expect(await handler(httpEvent(ADA))).toMatchObject({
      statusCode: 200,
      body: '{"status":"not-migrated"}',
    });
  });

  it("never puts a Realm password over an imported user's, a native user's or an unmarked one's", async () => {
    const cases: Record<string, string>[] = [
      {},
      { "custom:realm_user_id": adaId, "custom:migration_state": "imported" },
      { "custom:realm_user_id": adaId },
    ];
    for (const attributes of cases) {
      const pool = new MemoryPool();
      pool.add(ADA.email, attributes, "Set-in-Cognito-1!");
      expect(await resyncEndpoint(pool).handler(httpEvent(ADA))).toMatchObject(REFUSED);
      expect(pool.user(ADA.email)?.password).toBe("Set-in-Cognito-1!");
    }
  });

  it("keeps the user when the pool's policy refuses the Realm password; deletes only with ON_RESET_REQUEST=delete", async () => {
    const kept = new MemoryPool();
    kept.policyMinimumLength = 50;
    kept.add(ADA.email, migrated(adaId), "Old-pass-1!");
    expect(await resyncEndpoint(kept).handler(httpEvent(ADA))).toMatchObject(REFUSED);
    expect(kept.user(ADA.email)?.password).toBe("Old-pass-1!");

    const deleted = new MemoryPool();
    deleted.policyMinimumLength = 50;
    deleted.add(ADA.email, migrated(adaId), "Old-pass-1!");
    expect(await resyncEndpoint(deleted, { onResetRequest: "delete" }).handler(httpEvent(ADA))).toMatchObject(
      {
        statusCode: 200,
        body: '{"status":"not-migrated"}',
      },
    );
    expect(deleted.users.size).toBe(0);
  });

  it("answers one identical 401 for a wrong password, another Realm user's id and a flood", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, migrated("65a1b2c3d4e5f60718293a4b"), "Old-pass-1!");
    const wrong = await resyncEndpoint(new MemoryPool()).handler(
      httpEvent({ ...ADA, password: "Wrong-pass-1!" }),
    );
    const otherId = await resyncEndpoint(pool).handler(httpEvent(ADA));
    const flooded = resyncEndpoint(new MemoryPool(), { capacity: 1 });
    await flooded.handler(httpEvent(ADA));
    const flood = await flooded.handler(httpEvent(ADA));
    for (const answer of [wrong, otherId, flood]) expect(answer).toMatchObject(REFUSED);
    expect(pool.user(ADA.email)?.password).toBe("Old-pass-1!");
  });

  it("answers 410 in cognito-primary without asking Realm or touching the pool", async () => {
    const pool = new MemoryPool();
    pool.add(ADA.email, migrated(adaId), "Old-pass-1!");
    const answer = await resyncEndpoint(pool, { mode: "cognito-primary" }).handler(httpEvent(ADA));
    expect(answer.statusCode).toBe(410);
    expect(pool.calls).toEqual([]);
    expect(pool.user(ADA.email)?.password).toBe("Old-pass-1!");
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

describe("RateLimiter", () => {
  it("never resets a drained bucket to full, however many other keys arrive (eviction flood)", () => {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 2, perMinute: 1, maxKeys: 100, now: () => now });
    expect([limiter.take("victim"), limiter.take("victim"), limiter.take("victim")]).toEqual([
      true,
      true,
      false,
    ]);
    for (let i = 0; i < 20_000; i++) {
      now += 1;
      limiter.take(`junk-${i}@example.com`);
    }
    expect(limiter.size).toBeLessThanOrEqual(100);
    expect(limiter.take("victim")).toBe(false); // 20 s later: not a token regained, let alone two
  });

  it("drops only buckets that have refilled, and takes new keys again once some have", () => {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 1, perMinute: 1, maxKeys: 2, now: () => now });
    expect(limiter.take("a")).toBe(true);
    expect(limiter.take("b")).toBe(true);
    expect(limiter.take("c")).toBe(false); // a and b are empty: nothing may be forgotten
    now += 61_000;
    expect(limiter.take("c")).toBe(true); // a and b refilled: forgetting them changes nothing
    expect(limiter.size).toBeLessThanOrEqual(2);
  });
});
