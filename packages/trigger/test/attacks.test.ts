// Issue 12, tried as an attacker would, against the sandbox world: the real bundles behind the gateway,
// cognito-local (plus the admin shim's recorded global sign-out, emulator-only), the App Services
// emulator. Each attack shows no harm to the victim; where the old behaviour is meaningful, a control
// shows the same attack working against it.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { emailKey, fromAttributeList } from "@realm-to-cognito/core";
import { AuthClient } from "@realm-to-cognito/realm";
import {
  importWithoutPassword,
  resetLinkExpired,
  type SandboxWorld,
  startSandboxWorld,
} from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundles, type TriggerBundles } from "../src/build.js";
import { RateLimiter } from "../src/rate-limit.js";
import { emulatorAdmin, passwordSignIn, postJson } from "./support.js";

// Long enough for five emulator calls while a loaded CI machine runs other suites beside this one (at
// 400 ms the mass reset ran out of time before its marker step under load).
const RESPONSE_MS = 1_500;
let workDir: string;
let bundles: TriggerBundles;
let world: SandboxWorld;
let cognito: CognitoIdentityProviderClient;
let realm: AuthClient;
type Credentials = { email: string; password: string };

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "attacks-"));
  bundles = await buildBundles({ outDir: path.join(workDir, "dist") });
  world = await startSandboxWorld({
    seedUsers: 40,
    handlerOutput: null,
    bundles,
    endpointResponseMs: RESPONSE_MS,
    // Small maps, so a flood fills them with a few dozen requests instead of 10,000.
    extraEnv: { RATE_LIMIT_MAX_KEYS: "40" },
  });
  cognito = world.cognito.client();
  realm = new AuthClient({ appId: world.realm.appId, baseUrl: world.realm.baseUrl });
}, 120_000);

afterAll(async () => {
  await world?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

let created = 0;
/** A confirmed Realm user of its own for each scenario: `{ email, password }`, as the front end sends them. */
async function realmUser(): Promise<Credentials> {
  created++;
  const user = { email: `victim${created}@example.com`, password: `Victim-pass-${created}!` };
  await emulatorAdmin(world.realm).createUser(user.email, user.password);
  return user;
}

/** POST through the gateway from a chosen loopback address. */
function postFrom(
  address: string,
  route: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return postJson(`${world.api.baseUrl}${route}`, body, { address });
}

function signIn(email: string, password: string): Promise<string> {
  return passwordSignIn(cognito, world.clientId, email, password);
}

async function poolUser(email: string) {
  try {
    const user = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: email }),
    );
    return {
      username: user.Username,
      status: user.UserStatus,
      attributes: fromAttributeList(user.UserAttributes),
    };
  } catch (error) {
    if ((error as Error).name === "UserNotFoundException") return undefined;
    throw error;
  }
}

async function migrate(user: Credentials): Promise<string> {
  expect(await signIn(user.email, user.password)).toBe("accepted");
  const migrated = await poolUser(user.email);
  expect(migrated?.attributes["custom:migration_state"]).toBe("realm-password");
  return migrated?.username ?? "";
}

/** The seed's limiter, as it was: both buckets charged on every request, least recently used evicted. */
function legacyLimits() {
  const buckets = (capacity: number, maxKeys = 10_000) => {
    const map = new Map<string, number>();
    return (key: string) => {
      const tokens = map.get(key) ?? capacity;
      map.delete(key);
      map.set(key, tokens >= 1 ? tokens - 1 : tokens);
      for (const old of map.keys()) {
        if (map.size <= maxKeys) break;
        map.delete(old);
      }
      return tokens >= 1;
    };
  };
  return { buckets };
}

describe("a budget drain", () => {
  it("cannot silence a user's re-sync: one caller spends only its own share of the account", async () => {
    const victim = await realmUser();
    await migrate(victim);
    const attacker = "127.0.0.21";
    const flood = await Promise.all(
      Array.from({ length: 40 }, () =>
        postFrom(attacker, "/resync-password", { email: victim.email, password: "Not-the-password-1" }),
      ),
    );
    expect(flood.every((answer) => answer.status === 401)).toBe(true);
    const own = await postFrom("127.0.0.22", "/resync-password", victim);
    expect(own.status).toBe(200);
    expect(["resynced", "unchanged"]).toContain(own.body.status);
  });

  it("control: the seed's limiter, charging the account on every request, silences the user", () => {
    const { buckets } = legacyLimits();
    const perAddress = buckets(30);
    const perEmail = buckets(5);
    const legacy = (address: string, email: string) => {
      const addressAllowed = perAddress(address);
      const emailAllowed = perEmail(emailKey(email));
      return addressAllowed && emailAllowed;
    };
    for (let i = 0; i < 40; i++) legacy("127.0.0.21", "victim@example.com");
    expect(legacy("127.0.0.22", "victim@example.com")).toBe(false);
  });
});

describe("an eviction flood", () => {
  it("buys no extra guess: junk keys never hand the victim's drained budget back", async () => {
    const victim = await realmUser();
    await migrate(victim);
    // Two addresses spend the account's 10 guesses (5 each, their own share).
    for (const address of ["127.0.0.31", "127.0.0.32"])
      await Promise.all(
        Array.from({ length: 5 }, () =>
          postFrom(address, "/resync-password", { email: victim.email, password: "Guess-1-wrong" }),
        ),
      );
    // A flood of junk accounts from other addresses: more keys than the maps hold (40).
    for (const address of ["127.0.0.33", "127.0.0.34", "127.0.0.35"])
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          postFrom(address, "/resync-password", {
            email: `junk-${address}-${i}@example.com`,
            password: "Junk-1-x",
          }),
        ),
      );
    // Had the flood given the victim a full bucket again, this guess (the right one) would get through.
    const guess = await postFrom("127.0.0.36", "/resync-password", victim);
    expect(guess).toEqual({ status: 401, body: { status: "refused" } });
    // The price of the bound: while the maps are full of buckets still draining, new keys wait (at most
    // a minute), which is why the gateway's global limit must stay below RATE_LIMIT_MAX_KEYS a minute.
    // A fresh container for the scenarios after this one:
    await world.redeploy({ mode: "realm-primary" });
  });

  it("control: the seed's least-recently-used eviction gives the drained account a full bucket", () => {
    const { buckets } = legacyLimits();
    const perEmail = buckets(5, 40);
    for (let i = 0; i < 5; i++) perEmail("victim@example.com");
    expect(perEmail("victim@example.com")).toBe(false);
    for (let i = 0; i < 90; i++) perEmail(`junk-${i}@example.com`);
    expect(perEmail("victim@example.com")).toBe(true);
  });

  it("and the new limiter holds its bound on the same flood", () => {
    const limiter = new RateLimiter({ capacity: 5, perMinute: 5, maxKeys: 40, now: () => 0 });
    for (let i = 0; i < 5; i++) limiter.take("victim@example.com");
    for (let i = 0; i < 90; i++) limiter.take(`junk-${i}@example.com`);
    expect(limiter.size).toBeLessThanOrEqual(40);
    expect(limiter.take("victim@example.com")).toBe(false);
  });
});

describe("a mass reset", () => {
  it("keeps every user and its sub; each sign-in after the reset link's lifetime heals through re-sync, verified by Realm", async () => {
    const victims = [await realmUser(), await realmUser(), await realmUser(), await realmUser()];
    const subs = new Map<string, string>();
    for (const victim of victims) subs.set(victim.email, await migrate(victim));
    const signOutsBefore = world.cognitoAdmin.signOuts.length;
    const requestedAt = Date.now();
    const answers = await Promise.all(
      victims.map((victim, i) =>
        postFrom(`127.0.0.${41 + i}`, "/password-reset-requested", { email: victim.email }),
      ),
    );
    for (const answer of answers) expect(answer).toEqual({ status: 202, body: { status: "accepted" } });
    expect(world.cognitoAdmin.signOuts.length).toBe(signOutsBefore + victims.length);
    // The front end re-syncs at once: refused while a reset link could still be used (the app signs in
    // through Realm meanwhile) ...
    const early = await Promise.all(
      victims.map((victim, i) => postFrom(`127.0.0.${61 + i}`, "/resync-password", victim)),
    );
    expect(Date.now() - requestedAt).toBeLessThan(world.resetTokenLifetimeMs);
    for (const answer of early) expect(answer).toEqual({ status: 401, body: { status: "refused" } });
    for (const victim of victims) {
      const user = await poolUser(victim.email);
      expect(user?.username).toBe(subs.get(victim.email));
      expect(user?.attributes["custom:migration_state"]).toBe("stale");
      // The user did not ask for the reset: Realm still takes their password, Cognito refuses it.
      await realm.login(victim.email, victim.password);
      expect(await signIn(victim.email, victim.password)).not.toBe("accepted");
    }
    await resetLinkExpired(world, requestedAt);
    for (const victim of victims) {
      // ... and once the link has expired they are back, the same account.
      const healed = await postFrom("127.0.0.49", "/resync-password", victim);
      expect(healed).toEqual({ status: 200, body: { status: "resynced" } });
      expect(await signIn(victim.email, victim.password)).toBe("accepted");
      expect((await poolUser(victim.email))?.username).toBe(subs.get(victim.email));
    }
  });

  it("control: with the seed's deletion every account is gone, and the next sign-in makes a new sub", async () => {
    const victim = await realmUser();
    const sub = await migrate(victim);
    await world.redeploy({ mode: "realm-primary", onResetRequest: "delete" });
    try {
      await postFrom("127.0.0.51", "/password-reset-requested", { email: victim.email });
      expect(await poolUser(victim.email)).toBeUndefined();
      expect(await signIn(victim.email, victim.password)).toBe("accepted");
      expect((await poolUser(victim.email))?.username).not.toBe(sub);
    } finally {
      await world.redeploy({ mode: "realm-primary" });
    }
  });
});

describe("a sign-up squat", () => {
  it("does the victim no harm through the endpoints; only closing self sign-up stops the squat itself", async () => {
    const victim = await realmUser();
    const realmId = (await realm.login(victim.email, victim.password)).userId;
    // The squatter registers the victim's email first, forging the markers as an app client that lets
    // users write custom attributes would allow (cognito-local does not enforce WriteAttributes).
    await cognito.send(
      new SignUpCommand({
        ClientId: world.clientId,
        Username: victim.email,
        Password: "Squatter-pass-1!",
        UserAttributes: [
          { Name: "email", Value: victim.email },
          { Name: "custom:realm_user_id", Value: realmId },
          { Name: "custom:migration_state", Value: "realm-password" },
        ],
      }),
    );
    const squat = await poolUser(victim.email);
    expect(squat?.status).toBe("UNCONFIRMED");
    // Control: the seed's rule (the Realm id matches) would have let re-sync act on this account.
    expect(squat?.attributes["custom:realm_user_id"]).toBe(realmId);

    // The victim signs in: Realm says yes; Cognito does not reach the trigger (the name is taken).
    expect(await signIn(victim.email, victim.password)).not.toBe("accepted");
    // Their front end then re-syncs and, later, asks for a reset: neither touches the squatted account.
    expect(await postFrom("127.0.0.61", "/resync-password", victim)).toEqual({
      status: 401,
      body: { status: "refused" },
    });
    expect(await postFrom("127.0.0.61", "/password-reset-requested", { email: victim.email })).toEqual({
      status: 202,
      body: { status: "accepted" },
    });
    const after = await poolUser(victim.email);
    expect(after).toEqual(squat); // not confirmed, not scrambled, not given the victim's password
    expect(await signIn(victim.email, victim.password)).not.toBe("accepted");
    expect(await signIn(victim.email, "Squatter-pass-1!")).not.toBe("accepted"); // and the squatter is not in
    // What stops the squat is the pool: AdminCreateUserConfig.AllowAdminCreateUserOnly = true while
    // realm-primary (doctor checks it); cognito-local does not enforce it, so the squat succeeds here.
  });
});

describe("a call after the switch", () => {
  let migrated: Credentials;
  let imported: Credentials;

  it("is refused with 410 by both endpoints, touching no imported user and no password set in Cognito", async () => {
    migrated = await realmUser();
    const sub = await migrate(migrated);
    imported = await realmUser();
    await importWithoutPassword(cognito, world.userPoolId, imported.email, {
      "custom:migration_state": "imported",
    });
    const mailsBefore = world.realm.outbox.all().length;
    const signOutsBefore = world.cognitoAdmin.signOuts.length;
    await world.redeploy({ mode: "cognito-primary" });
    try {
      for (const user of [migrated, imported]) {
        const reset = await postFrom("127.0.0.71", "/password-reset-requested", { email: user.email });
        expect(reset.status).toBe(410);
        const resync = await postFrom("127.0.0.71", "/resync-password", user);
        expect(resync.status).toBe(410);
      }
      expect(world.realm.outbox.all().length).toBe(mailsBefore); // not even a Realm reset request
      expect(world.cognitoAdmin.signOuts.length).toBe(signOutsBefore);
      expect(await signIn(migrated.email, migrated.password)).toBe("accepted");
      expect((await poolUser(migrated.email))?.username).toBe(sub);
      expect((await poolUser(imported.email))?.attributes["custom:migration_state"]).toBe("imported");
    } finally {
      await world.redeploy({ mode: "realm-primary" });
    }
  });

  it("control: the same call in realm-primary does act (it is the mode that protects), never on the imported user", async () => {
    const importedBefore = await poolUser(imported.email);
    await postFrom("127.0.0.72", "/password-reset-requested", { email: migrated.email });
    await postFrom("127.0.0.72", "/password-reset-requested", { email: imported.email });
    expect((await poolUser(migrated.email))?.attributes["custom:migration_state"]).toBe("stale");
    expect(await poolUser(imported.email)).toEqual(importedBefore);
  });
});
