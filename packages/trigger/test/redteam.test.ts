// Red team (issue 12), what the adversarial suite (attacks.test.ts) did not try: an IPv6 caller rotating
// addresses inside its own /64, and a re-sync with the old password between a reset request and the
// reset's completion. Run against the real bundles in the sandbox world where the gateway matters.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ForgotPasswordCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { COGNITO_DEFAULT_PASSWORD_POLICY, checkAttributeMapping } from "@realm-to-cognito/core";
import { AuthClient } from "@realm-to-cognito/realm";
import { type SandboxWorld, startSandboxWorld } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundles, type TriggerBundles } from "../src/build.js";
import { CognitoApi } from "../src/cognito-api.js";
import { CognitoPoolUsers } from "../src/cognito-users.js";
import { loadTriggerConfig } from "../src/config.js";
import { createUserMigrationHandler } from "../src/migrate-from-realm.js";
import { buildRateLimits, RateLimiter, sourceKey, withinLimits } from "../src/rate-limit.js";
import { captureLog, cognitoEvent, emulatorAdmin, passwordSignIn, postJson } from "./support.js";

describe("an IPv6 caller rotating addresses inside its own /64", () => {
  // One subscriber (a phone, a cheap VPS) holds a whole /64: 2^64 source addresses.
  const addressIn64 = (i: number) => `2001:db8:1:2:${i.toString(16)}::${(i * 7).toString(16)}`;

  it("gets one per-address budget for the whole /64 (30), not one per address", () => {
    const limits = buildRateLimits();
    const allowed = Array.from({ length: 100 }, (_, i) =>
      withinLimits(limits, addressIn64(i + 1), `someone-${i}@example.com`),
    ).filter(Boolean).length;
    expect(allowed).toBe(30);
  });

  it("cannot reach one account more than its per-source share (5) by rotating inside the /64", () => {
    const limits = buildRateLimits();
    const allowed = Array.from({ length: 20 }, (_, i) =>
      withinLimits(limits, addressIn64(i + 1), "victim@example.com"),
    ).filter(Boolean).length;
    expect(allowed).toBe(5);
  });

  it("control: keyed by the raw address (the old code), every request of the flood passes the source limit", () => {
    const perAddress = new RateLimiter({ capacity: 30, perMinute: 30 });
    const allowed = Array.from({ length: 100 }, (_, i) => perAddress.take(addressIn64(i + 1))).filter(
      Boolean,
    ).length;
    expect(allowed).toBe(100);
  });

  it("keys spellings of one /64 alike, keeps IPv4 (and IPv4-mapped IPv6) per address", () => {
    expect(sourceKey("2001:db8:1:2::7")).toBe("2001:db8:1:2::/64");
    expect(sourceKey("2001:0DB8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(sourceKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(sourceKey("::1")).toBe("0:0:0:0::/64");
    expect(sourceKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(sourceKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(sourceKey("203.0.113.9")).toBe("203.0.113.9");
    expect(sourceKey("2001:db8:1:3::7")).not.toBe(sourceKey("2001:db8:1:2::7"));
  });
});

const RESPONSE_MS = 1_500;
const LOCAL_KEYS = { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };
/** Realm's reset links (the emulator's) and the endpoints' wait after a reset request, both this long. */
const RESET_LINK_MS = 8_000;
let workDir: string;
let bundles: TriggerBundles;
let world: SandboxWorld;
let cognito: CognitoIdentityProviderClient;
let realm: AuthClient;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "redteam-"));
  bundles = await buildBundles({ outDir: path.join(workDir, "dist") });
  world = await startSandboxWorld({
    seedUsers: 0,
    handlerOutput: null,
    bundles,
    endpointResponseMs: RESPONSE_MS,
    resetTokenLifetimeMs: RESET_LINK_MS,
  });
  cognito = world.cognito.client();
  realm = new AuthClient({ appId: world.realm.appId, baseUrl: world.realm.baseUrl });
}, 120_000);

afterAll(async () => {
  await world?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function post(
  route: string,
  body: unknown,
  from: { address?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return postJson(`${world.api.baseUrl}${route}`, body, from);
}

function signIn(email: string, password: string): Promise<string> {
  return passwordSignIn(cognito, world.clientId, email, password);
}

async function sleepUntil(epochMs: number): Promise<void> {
  const wait = epochMs - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** Waits until the reset link recorded for the user (custom:reset_requested_at) has expired. */
async function waitOutResetLink(email: string): Promise<void> {
  const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: email }));
  const recorded = user.UserAttributes?.find((a) => a.Name === "custom:reset_requested_at")?.Value;
  expect(recorded).toBeDefined();
  await sleepUntil(Date.parse(recorded ?? "") + RESET_LINK_MS + 200);
}

describe("a re-sync with the old password between the reset request and its completion", () => {
  // The victim's password leaked; they ask for a reset. Until they follow the link Realm still accepts
  // the old password, so a re-sync (verified by Realm) used to put it back in Cognito and mark it
  // `realm-password`; the victim then set a new password in Realm, Cognito was never told (the link
  // names no user), and the leaked password kept opening the Cognito account. The same happened with no
  // attacker when the victim signed in through the web library before following the link. Fixed: the
  // reset endpoint records when the reset was requested (`custom:reset_requested_at`, with `stale`), and
  // re-sync refuses a `stale` user until Realm's reset link has expired (RESET_TOKEN_LIFETIME_MS): by
  // then either the victim completed the reset (the leaked password no longer passes Realm), or they did
  // not, and the old password is still their Realm password, giving no one more than Realm gives.
  const victimNamed = (name: string) => ({ email: `${name}@example.com`, password: "Leaked-pass-1!" });
  const NEW_PASSWORD = "Brand-new-pass-2!";

  async function migrateAndRequestReset(victim: { email: string; password: string }) {
    await emulatorAdmin(world.realm).createUser(victim.email, victim.password);
    expect(await signIn(victim.email, victim.password)).toBe("accepted"); // migrated in phase 1
    const requested = Date.now();
    expect((await post("/password-reset-requested", { email: victim.email })).status).toBe(202);
    expect(await signIn(victim.email, victim.password)).not.toBe("accepted"); // scrambled
    return requested;
  }

  async function completeRealmReset(victim: { email: string; password: string }) {
    const mail = world.realm.outbox.latest(victim.email, "reset");
    expect(mail).toBeDefined();
    await realm.resetPassword(mail?.token ?? "", mail?.tokenId ?? "", NEW_PASSWORD);
    await expect(realm.login(victim.email, victim.password)).rejects.toThrow(); // Realm: old one is dead
  }

  it("leaves the leaked password opening the Cognito account after the reset completes", async () => {
    const victim = victimNamed("leaked");
    const requested = await migrateAndRequestReset(victim);

    // The attacker, holding the leaked password, re-syncs before the victim follows the link: refused.
    const resync = await post("/resync-password", victim, { address: "127.0.0.81" });
    expect(resync.status).toBe(401);
    expect(Date.now() - requested).toBeLessThan(RESET_LINK_MS); // the refusal came inside the window

    await completeRealmReset(victim);
    // The guarantee: no one signs in to Cognito with a password Realm replaced.
    expect(await signIn(victim.email, victim.password)).not.toBe("accepted");

    // After the window the leaked password no longer passes Realm, so re-sync still refuses it.
    await waitOutResetLink(victim.email);
    expect((await post("/resync-password", victim, { address: "127.0.0.82" })).status).toBe(401);
    expect(await signIn(victim.email, victim.password)).not.toBe("accepted");
    // The victim's own new password heals the Cognito user.
    const healed = await post("/resync-password", { email: victim.email, password: NEW_PASSWORD });
    expect(healed.body.status).toBe("resynced");
    expect(await signIn(victim.email, NEW_PASSWORD)).toBe("accepted");
  });

  it("control: with the wait off (RESET_TOKEN_LIFETIME_MS=0, the old behaviour) the attack works", async () => {
    await world.redeploy({ mode: "realm-primary", extraEnv: { RESET_TOKEN_LIFETIME_MS: "0" } });
    try {
      const victim = victimNamed("leaked-unguarded");
      await migrateAndRequestReset(victim);
      const resync = await post("/resync-password", victim, { address: "127.0.0.83" });
      expect(resync.body.status).toBe("resynced");
      await completeRealmReset(victim);
      expect(await signIn(victim.email, victim.password)).toBe("accepted"); // the leak opens Cognito
    } finally {
      await world.redeploy({ mode: "realm-primary" });
    }
  });

  it("reads the user's last modification from Cognito, the wait's fallback on a pool without the time", async () => {
    const user = victimNamed("last-modified");
    await emulatorAdmin(world.realm).createUser(user.email, user.password);
    expect(await signIn(user.email, user.password)).toBe("accepted");
    const pool = new CognitoPoolUsers(
      new CognitoApi({
        region: "us-east-1",
        endpoint: world.cognito.endpoint,
        timeoutMs: 2_000,
        env: LOCAL_KEYS,
      }),
      world.userPoolId,
    );
    const before = Date.now();
    const found = await pool.findByEmail(user.email);
    if (!found) throw new Error("not migrated");
    await pool.markStale(found.username, new Date(before));
    const marked = await pool.findByEmail(user.email);
    expect(marked?.attributes["custom:migration_state"]).toBe("stale");
    expect(marked?.attributes["custom:reset_requested_at"]).toBe(new Date(before).toISOString());
    expect(marked?.lastModified).toBeGreaterThanOrEqual(before - 1_000);
    expect(marked?.lastModified).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it("heals a user who asked for a reset and signs in with the old password once the link has expired", async () => {
    const user = victimNamed("changed-mind");
    const requested = await migrateAndRequestReset(user);
    // The web library re-syncs at sign-in; inside the window it is refused (Realm signs the user in).
    expect((await post("/resync-password", user, { address: "127.0.0.84" })).status).toBe(401);
    expect(await realm.login(user.email, user.password)).toBeDefined();
    expect(Date.now() - requested).toBeLessThan(RESET_LINK_MS); // the refusal came inside the window
    await waitOutResetLink(user.email);
    const healed = await post("/resync-password", user, { address: "127.0.0.84" });
    expect(healed.body.status).toBe("resynced");
    expect(await signIn(user.email, user.password)).toBe("accepted");
    const after = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: user.email }),
    );
    expect(after.UserAttributes?.find((a) => a.Name === "custom:migration_state")?.Value).toBe(
      "realm-password",
    );
  });
});

describe("a case variant of a victim's email registered in Realm before the victim migrates", () => {
  // Realm compares emails with case (and, with auto-confirm, confirms any address without a mail); a
  // pool with CaseSensitive false compares them without. The attack on Amazon Cognito: an attacker
  // registers `Casey@…` in Realm next to the victim's `casey@…`, signs in to Cognito first, and the
  // trigger creates the one Cognito user of that address, `email_verified` true, holding the attacker's
  // Realm id and password. The victim's own sign-in then meets an existing user with another password,
  // and re-sync refuses (the Realm ids differ): the victim is locked out of Cognito, the attacker holds a
  // verified account under the victim's address, and the import after the switch collides with it.
  // It cannot be shown here: cognito-local ignores CaseSensitive false (it matches usernames and the
  // email alias exactly), so the sandbox makes two users and hides the attack. Not fixed: the trigger
  // would have to refuse an account whose address another Realm account shares in another case (a
  // directory look-up); and whether Cognito passes the typed or a lower-cased userName to the trigger
  // on a case-insensitive pool must be checked on a real pool.
  it("(sandbox limit) cognito-local keeps two users for one address in two cases", async () => {
    const admin = emulatorAdmin(world.realm);
    const victim = { email: "casey@example.com", password: "Casey-pass-1!" };
    await admin.createUser(victim.email, victim.password);
    const squatter = { email: "Casey@example.com", password: "Squatter-pass-1!" };
    await admin.createUser(squatter.email, squatter.password);

    expect(await signIn(squatter.email, squatter.password)).toBe("accepted"); // migrated first
    // On Amazon Cognito (CaseSensitive false) this sign-in meets the squatter's user and is refused.
    expect(await signIn(victim.email, victim.password)).toBe("accepted");
    const usernameOf = async (email: string) =>
      (await cognito.send(new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: email })))
        .Username;
    expect(await usernameOf(squatter.email)).not.toBe(await usernameOf(victim.email));
  });
});

describe("an attribute mapping onto the toolkit's own attributes", () => {
  // The user data document is often the user's own to edit (a profile). A mapping such as
  // {"custom:realm_user_id": "name"} let the user choose the id the app finds their data by.
  it("is refused by the configuration, naming the variable", () => {
    for (const owned of ["custom:realm_user_id", "custom:mongo_id", "custom:migration_state"])
      expect(() =>
        loadTriggerConfig({
          MIGRATION_MODE: "realm-primary",
          REALM_APP_ID: "myapp-abcde",
          ATTRIBUTE_MAPPING: JSON.stringify({ [owned]: "name" }),
        }),
      ).toThrow(/ATTRIBUTE_MAPPING.*cannot be mapped/);
  });

  it("control: core's own check lets the ids through (the old configuration accepted them)", () => {
    expect(checkAttributeMapping({ "custom:realm_user_id": "name", "custom:mongo_id": "name" })).toEqual([]);
  });

  it("cannot replace the Realm id the trigger returns, even when handed to the handler directly", async () => {
    const user = { email: "mapped@example.com", password: "Mapped-pass-1!" };
    const created = await emulatorAdmin(world.realm).createUser(user.email, user.password);
    // The user's own document, as they could write it through the app's rules.
    const documentFields = { chosen: "someone-elses-realm-id" };
    const spied = new AuthClient({ appId: world.realm.appId, baseUrl: world.realm.baseUrl });
    const decode = spied.decodeAccessToken.bind(spied);
    spied.decodeAccessToken = (token: string) => {
      const claims = decode(token);
      return { ...claims, userData: { ...claims.userData, ...documentFields } };
    };
    const answer = (await createUserMigrationHandler({
      mode: "realm-primary",
      realm: spied,
      realmTimeoutMs: 3_000,
      mongoIdField: "_id",
      attributeMapping: { "custom:realm_user_id": "chosen" },
      passwordPolicy: COGNITO_DEFAULT_PASSWORD_POLICY,
      directory: undefined,
      log: captureLog().log,
    })(cognitoEvent({ userName: user.email, password: user.password }))) as {
      response: { userAttributes: Record<string, string> };
    };
    expect(answer.response.userAttributes["custom:realm_user_id"]).toBe(created.id);
  });
});

describe("a caller spoofing its address in headers", () => {
  // Behind an HTTP API (payload 2.0) or a Function URL the source is requestContext.http.sourceIp, the
  // TCP peer; X-Forwarded-For and Forwarded are the caller's to write and must not pick the bucket.
  it("spends its own address's budget whatever X-Forwarded-For / Forwarded say", async () => {
    const victim = { email: "spoofed@example.com", password: "Spoofed-pass-1!" };
    await emulatorAdmin(world.realm).createUser(victim.email, victim.password);
    const attacker = "127.0.0.61";
    const flood = Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(
          "/resync-password",
          { email: `junk-${i}@example.com`, password: "Junk-pass-1!" },
          {
            address: attacker,
            headers: { "x-forwarded-for": `198.51.100.${i}`, forwarded: `for=198.51.100.${i}` },
          },
        ),
      ),
    );
    // Charged on arrival (answers are padded): ask while the flood is in flight, before any refill.
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The same socket address, another spoofed header: still over its limit, refused like a wrong password.
    const spoofed = await post("/resync-password", victim, {
      address: attacker,
      headers: { "x-forwarded-for": "203.0.113.77", forwarded: "for=203.0.113.77" },
    });
    expect(spoofed.status).toBe(401);
    await flood;
    // Control: the same request from another address goes through (the password is right).
    const honest = await post("/resync-password", victim, { address: "127.0.0.62" });
    expect(honest.status).toBe(200);
  });
});

describe("a re-sync after the user changed the password in Cognito itself", () => {
  // Issue 12 item 4: re-sync acts only on a user "migrated in phase 1 and never changed in Cognito since".
  // ForgotPassword and ConfirmForgotPassword (public, for any app client; Amplify's UI) used to leave the
  // user `realm-password`: a user whose Realm password leaked and who set a new one in Cognito got the
  // leaked one put back by anyone who re-synced with it. Fixed: the pool's Post Confirmation trigger marks
  // the user `cognito-password` after ConfirmForgotPassword, and the endpoints never touch that state.
  // ChangePassword (an access-token call) fires no trigger: see the README's known limits.
  const chosen = "Chosen-in-cognito-2!";

  async function resetInCognito(
    on: { world: SandboxWorld; cognito: CognitoIdentityProviderClient },
    victim: { email: string; password: string },
  ) {
    await emulatorAdmin(on.world.realm).createUser(victim.email, victim.password);
    expect(await passwordSignIn(on.cognito, on.world.clientId, victim.email, victim.password)).toBe(
      "accepted",
    );
    await on.cognito.send(new ForgotPasswordCommand({ ClientId: on.world.clientId, Username: victim.email }));
    const code = await on.world.cognito.latestCode(on.world.userPoolId, victim.email);
    await on.cognito.send(
      new ConfirmForgotPasswordCommand({
        ClientId: on.world.clientId,
        Username: victim.email,
        ConfirmationCode: code ?? "",
        Password: chosen,
      }),
    );
    expect(await passwordSignIn(on.cognito, on.world.clientId, victim.email, chosen)).toBe("accepted");
  }

  it("leaves the password the user set in Cognito in place", async () => {
    const victim = { email: "changed-in-cognito@example.com", password: "Leaked-realm-pass-1!" };
    await resetInCognito({ world, cognito }, victim);
    const marked = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: victim.email }),
    );
    expect(marked.UserAttributes?.find((a) => a.Name === "custom:migration_state")?.Value).toBe(
      "cognito-password",
    );

    // The attacker holds the leaked Realm password (Realm still takes it).
    const resync = await post("/resync-password", victim, { address: "127.0.0.71" });
    expect(resync.status).toBe(401);
    expect(await signIn(victim.email, victim.password)).not.toBe("accepted");
    expect(await signIn(victim.email, chosen)).toBe("accepted");
    // Nor does a reset request scramble the password the user chose in Cognito.
    expect(
      (await post("/password-reset-requested", { email: victim.email }, { address: "127.0.0.72" })).status,
    ).toBe(202);
    expect(await signIn(victim.email, chosen)).toBe("accepted");
  });

  describe("control: a pool without the Post Confirmation trigger (the old deployment)", () => {
    let bare: SandboxWorld;
    let bareCognito: CognitoIdentityProviderClient;
    beforeAll(async () => {
      bare = await startSandboxWorld({
        seedUsers: 0,
        handlerOutput: null,
        bundles,
        endpointResponseMs: RESPONSE_MS,
        postConfirmationTrigger: false,
      });
      bareCognito = bare.cognito.client();
    }, 120_000);
    afterAll(async () => {
      await bare?.stop();
    });

    it("lets the leaked Realm password be put back over the one the user set in Cognito", async () => {
      const victim = { email: "changed-in-bare-pool@example.com", password: "Leaked-realm-pass-1!" };
      await resetInCognito({ world: bare, cognito: bareCognito }, victim);
      const resync = await postJson(`${bare.api.baseUrl}/resync-password`, victim, { address: "127.0.0.73" });
      expect(resync.body.status).toBe("resynced");
      expect(await passwordSignIn(bareCognito, bare.clientId, victim.email, victim.password)).toBe(
        "accepted",
      );
      expect(await passwordSignIn(bareCognito, bare.clientId, victim.email, chosen)).not.toBe("accepted");
    });
  });
});
