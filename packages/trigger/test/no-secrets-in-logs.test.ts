// Runs every path of the three handlers, logging to the real stdout, with a known password and known
// token strings, and checks neither reaches stdout or stderr.
import { COGNITO_DEFAULT_PASSWORD_POLICY } from "@realm-to-cognito/core";
import { AuthClient, type FetchFunction } from "@realm-to-cognito/realm";
import { type AppServicesEmulator, startAppServicesEmulator } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AdminApiDirectory } from "../src/directory.js";
import { createResyncPasswordHandler } from "../src/heal-stale-password.js";
import { createLogger } from "../src/log.js";
import { createUserMigrationHandler } from "../src/migrate-from-realm.js";
import { RateLimiter } from "../src/rate-limit.js";
import { createPasswordResetRequestedHandler } from "../src/stale-on-reset.js";
import {
  closedPortUrl,
  cognitoEvent,
  cognitoLocalEvent,
  emulatorAdmin,
  httpEvent,
  MemoryPool,
  startHangingServer,
} from "./support.js";

const PASSWORD = "Known-Secret-pass-7731!";
const WEAK_PASSWORD = "knownweakpass7731";
const KNOWN_TOKEN = "known-token-string-51e0c9a7";
const EMAIL = "secret-keeper@example.com";
let realm: AppServicesEmulator;
let hanging: Awaited<ReturnType<typeof startHangingServer>>;
const realmTokens: string[] = [];

beforeAll(async () => {
  realm = await startAppServicesEmulator();
  hanging = await startHangingServer();
  const admin = emulatorAdmin(realm);
  await admin.createUser(EMAIL, PASSWORD);
  await admin.createUser("weak@example.com", WEAK_PASSWORD);
  const disabled = await admin.createUser("off@example.com", PASSWORD);
  await admin.disableUser(disabled.id);
});

afterAll(async () => {
  await realm?.stop();
  await hanging?.stop();
});

/** fetch that remembers every token Realm hands out, so the test can look for them in the output. */
const recordingFetch: FetchFunction = async (input, init) => {
  const response = await fetch(input, init);
  const text = await response.clone().text();
  for (const match of text.matchAll(/"(?:access_token|refresh_token)":"([^"]+)"/g))
    realmTokens.push(match[1] ?? "");
  return response;
};

function realmAt(baseUrl: string): AuthClient {
  return new AuthClient({ appId: realm.appId, baseUrl, fetch: recordingFetch });
}

/** A network layer that fails quoting the request body, password included: the logger's last line of defence. */
const leakyFetch: FetchFunction = async (_input, init) => {
  throw new Error(`connection reset while sending ${String(init?.body)}`);
};

/** A Realm client whose every request fails through {@link leakyFetch}. */
function leakyRealm(): AuthClient {
  return new AuthClient({
    appId: realm.appId,
    baseUrl: realm.baseUrl,
    skipLocation: true,
    fetch: leakyFetch,
  });
}

async function settle(promise: Promise<unknown>): Promise<void> {
  await promise.catch(() => undefined);
}

async function runEveryPath(): Promise<void> {
  const log = createLogger({ level: "trace" }); // default destination: this process's stdout
  const adminDirectory = new AdminApiDirectory(emulatorAdmin(realm, recordingFetch));
  const migration = (
    baseUrl: string,
    mode: "realm-primary" | "cognito-primary" = "realm-primary",
    timeoutMs = 2000,
  ) =>
    createUserMigrationHandler({
      mode,
      realm: realmAt(baseUrl),
      realmTimeoutMs: timeoutMs,
      mongoIdField: "_id",
      attributeMapping: { "custom:name": "name" },
      passwordPolicy: COGNITO_DEFAULT_PASSWORD_POLICY,
      directory: adminDirectory,
      log,
    });
  const withToken = (event: Record<string, unknown>) => ({
    ...event,
    request: {
      ...(event.request as object),
      clientMetadata: { token: KNOWN_TOKEN },
      validationData: { authorization: KNOWN_TOKEN },
    },
  });
  const signIn = migration(realm.baseUrl);
  await signIn(withToken(cognitoEvent({ userName: EMAIL, password: PASSWORD })));
  await signIn(cognitoLocalEvent(EMAIL, PASSWORD));
  await signIn(cognitoLocalEvent("weak@example.com", WEAK_PASSWORD));
  await settle(signIn(withToken(cognitoEvent({ userName: EMAIL, password: `${PASSWORD}x` }))));
  await settle(signIn(cognitoEvent({ userName: "nobody@example.com", password: PASSWORD })));
  await settle(signIn(cognitoEvent({ userName: "off@example.com", password: PASSWORD })));
  await settle(
    signIn({ ...cognitoEvent({ password: PASSWORD }), triggerSource: "Bogus", token: KNOWN_TOKEN }),
  );
  await settle(migration(await closedPortUrl())(cognitoEvent({ userName: EMAIL, password: PASSWORD })));
  await settle(
    migration(hanging.url, "realm-primary", 200)(cognitoEvent({ userName: EMAIL, password: PASSWORD })),
  );
  const leaky = createUserMigrationHandler({
    mode: "realm-primary",
    realm: leakyRealm(),
    realmTimeoutMs: 2000,
    mongoIdField: "_id",
    attributeMapping: {},
    passwordPolicy: COGNITO_DEFAULT_PASSWORD_POLICY,
    directory: undefined,
    log,
  });
  await settle(leaky(cognitoEvent({ userName: EMAIL, password: PASSWORD })));
  const forgot = cognitoEvent({ triggerSource: "UserMigration_ForgotPassword", userName: EMAIL });
  await settle(signIn(forgot));
  await migration(realm.baseUrl, "cognito-primary")(forgot);
  await settle(migration(realm.baseUrl, "cognito-primary")({ ...forgot, request: { password: PASSWORD } }));

  const pool = new MemoryPool();
  const limits = () => ({
    perEmail: new RateLimiter({ capacity: 3, perMinute: 1 }),
    perAddress: new RateLimiter({ capacity: 30, perMinute: 1 }),
  });
  const headers = { authorization: `Bearer ${KNOWN_TOKEN}`, cookie: `session=${KNOWN_TOKEN}` };
  const reset = createPasswordResetRequestedHandler({
    mode: "realm-primary",
    realm: realmAt(realm.baseUrl),
    pool,
    limits: limits(),
    onResetRequest: "scramble",
    timing: { responseMs: 1, deadlineMs: 5000 },
    log,
  });
  const resync = createResyncPasswordHandler({
    mode: "realm-primary",
    realm: realmAt(realm.baseUrl),
    realmTimeoutMs: 2000,
    pool,
    limits: limits(),
    onResetRequest: "scramble",
    resetTokenLifetimeMs: 0,
    timing: { responseMs: 1, deadlineMs: 5000 },
    log,
  });
  const leakyResync = createResyncPasswordHandler({
    mode: "realm-primary",
    realm: leakyRealm(),
    realmTimeoutMs: 2000,
    pool,
    limits: limits(),
    onResetRequest: "scramble",
    resetTokenLifetimeMs: 0,
    timing: { responseMs: 1, deadlineMs: 5000 },
    log,
  });
  await leakyResync(httpEvent({ email: EMAIL, password: PASSWORD }, { headers })); // refused, realm-unavailable
  await resync(httpEvent({ email: EMAIL, password: PASSWORD }, { headers })); // not-migrated
  pool.add(
    EMAIL,
    {
      "custom:realm_user_id": (await realmAt(realm.baseUrl).login(EMAIL, PASSWORD)).userId,
      "custom:migration_state": "realm-password",
    },
    "Old-1!",
  );
  await resync(httpEvent({ email: EMAIL, password: PASSWORD }, { headers })); // resynced
  await resync(httpEvent({ email: EMAIL, password: PASSWORD }, { headers })); // unchanged
  await resync(httpEvent({ email: EMAIL, password: `${PASSWORD}x` }, { headers })); // refused, then rate-limited
  await resync(httpEvent({ email: EMAIL, password: PASSWORD, token: KNOWN_TOKEN }, { headers })); // 400
  await resync(httpEvent(null, { raw: `{"password":"${PASSWORD}"`, headers })); // 400, not JSON
  await reset(httpEvent({ email: "ghost@example.com" }, { headers }));
  await reset(httpEvent({ email: EMAIL, token: KNOWN_TOKEN }, { headers })); // 400
  await reset(httpEvent({ email: EMAIL }, { headers })); // scrambled
  pool.failWith = new Error("Cognito is down");
  await reset(httpEvent({ email: EMAIL }, { headers })); // failed
  await reset(httpEvent({ email: EMAIL }, { headers })); // failed
  await reset(httpEvent({ email: EMAIL }, { headers })); // rate-limited
}

it("writes no password and no token to stdout or stderr on any path", async () => {
  const written: string[] = [];
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const capture = (chunk: unknown) => {
    written.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    await runEveryPath();
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  const output = written.join("");
  for (const line of output.split("\n").filter(Boolean))
    expect(JSON.parse(line)).toEqual(
      expect.objectContaining({
        level: expect.any(Number),
        time: expect.any(Number),
        msg: expect.any(String),
      }),
    );
  expect(output).toContain('"message":"[redacted]"'); // the leaky network's error, scrubbed
  const outcomes = new Set(
    output
      .split("\n")
      .filter(Boolean)
      .map((line) => `${JSON.parse(line).outcome}/${JSON.parse(line).reason ?? ""}`),
  );
  expect([...outcomes].sort()).toEqual(
    [
      "bad-request/",
      "failed/",
      "migrated/",
      "not-migrated/",
      "rate-limited/",
      "realm-refused-reset/",
      "refused/invalid-event",
      "refused/mode",
      "refused/rate-limited",
      "refused/realm-timeout",
      "refused/realm-unavailable",
      "refused/user-disabled",
      "refused/wrong-credentials",
      "resynced/",
      "scrambled/",
      "unchanged/",
    ].sort(),
  );
  expect(realmTokens.length).toBeGreaterThan(3);
  for (const secret of [PASSWORD, WEAK_PASSWORD, KNOWN_TOKEN, ...realmTokens])
    expect(output).not.toContain(secret);
});
