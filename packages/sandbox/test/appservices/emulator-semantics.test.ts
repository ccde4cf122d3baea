import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminClient, AuthClient, RealmRejectedError } from "@realm-to-cognito/realm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AppServicesEmulator,
  type AppServicesEmulatorOptions,
  EmulatorConfigError,
  startAppServicesEmulator,
} from "../../src/appservices/index.js";

const started: AppServicesEmulator[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "appservices-"));
});

afterAll(async () => {
  await Promise.all(started.map((realm) => realm.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function start(options: AppServicesEmulatorOptions = {}) {
  const realm = await startAppServicesEmulator(options);
  started.push(realm);
  const auth = new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl });
  const admin = new AdminClient({
    baseUrl: realm.adminBaseUrl,
    groupId: realm.groupId,
    appObjectId: realm.appObjectId,
    ...realm.apiKey,
    readAttempts: 1,
  });
  return { realm, auth, admin };
}

async function refusal(promise: Promise<unknown>): Promise<RealmRejectedError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(RealmRejectedError);
  return error as RealmRejectedError;
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe("registration and confirmation", () => {
  it("confirms at once when the confirmation function says success", async () => {
    const calls: Array<{ username: string; token: string; tokenId: string }> = [];
    const { auth } = await start({
      confirmationFunction: (args) => {
        calls.push(args);
        return { status: "success" };
      },
    });
    await auth.register("fn@example.com", "password1");
    expect(calls[0]?.username).toBe("fn@example.com");
    expect(calls[0]?.token).toMatch(/^[0-9a-f]{128}$/);
    expect(calls[0]?.tokenId).toMatch(/^[0-9a-f]{24}$/);
    expect((await auth.login("fn@example.com", "password1")).userId).toMatch(/^[0-9a-f]{24}$/);
  });

  it("keeps the user pending when the function says pending, until confirm gets its token", async () => {
    let handed: { token: string; tokenId: string } | undefined;
    const { auth } = await start({
      confirmationFunction: ({ token, tokenId }) => {
        handed = { token, tokenId };
        return { status: "pending" };
      },
    });
    await auth.register("later@example.com", "password1");
    expect((await refusal(auth.login("later@example.com", "password1"))).status).toBe(401);
    expect((await refusal(auth.resendConfirmationEmail("later@example.com"))).serverMessage).toBe(
      "please use confirm via function",
    );
    await auth.confirm(handed!.token, handed!.tokenId);
    await auth.login("later@example.com", "password1");
  });

  it("creates no account when the function says fail, so the email can register again", async () => {
    let verdict: "fail" | "success" = "fail";
    const { auth, admin } = await start({ confirmationFunction: () => ({ status: verdict }) });
    const error = await refusal(auth.register("nope@example.com", "password1"));
    expect(error.status).toBe(400);
    expect(error.serverMessage).toBe('failed to confirm user "nope@example.com"');
    expect(await all(admin.pendingUsers())).toEqual([]);
    verdict = "success";
    await auth.register("nope@example.com", "password1");
  });

  it("answers a throwing confirmation function with a 4xx, not a crash", async () => {
    const { auth } = await start({
      confirmationFunction: () => {
        throw new Error("boom");
      },
    });
    const error = await refusal(auth.register("boom@example.com", "password1"));
    expect(error.errorCode).toBe("FunctionExecutionError");
  });
});

describe("password reset", () => {
  it("refuses reset/send in reset-function mode and runs the function with Realm's argument", async () => {
    const seen: unknown[][] = [];
    let verdict: "success" | "pending" | "fail" = "success";
    const { auth } = await start({
      autoConfirm: true,
      resetFunction: (details, ...args) => {
        seen.push([details, ...args]);
        return { status: verdict };
      },
    });
    await auth.register("reset@example.com", "password1");
    expect((await refusal(auth.sendResetPasswordEmail("reset@example.com"))).serverMessage).toBe(
      "please use reset password via function",
    );

    await auth.callResetPasswordFunction("reset@example.com", "password1", ["secret-argument"]);
    expect(seen[0]?.[0]).toMatchObject({ username: "reset@example.com", currentPasswordValid: true });
    expect(seen[0]?.[1]).toBe("secret-argument");

    await auth.callResetPasswordFunction("reset@example.com", "password2");
    expect(seen[1]?.[0]).toMatchObject({ password: "password2", currentPasswordValid: false });
    await auth.login("reset@example.com", "password2");

    verdict = "pending";
    await auth.callResetPasswordFunction("reset@example.com", "password3");
    await auth.login("reset@example.com", "password2"); // nothing changed yet
    const pending = seen[2]?.[0] as { token: string; tokenId: string };
    await auth.resetPassword(pending.token, pending.tokenId, "password4");
    await auth.login("reset@example.com", "password4");

    verdict = "fail";
    const failed = await refusal(auth.callResetPasswordFunction("reset@example.com", "password5"));
    expect(failed.serverMessage).toBe('failed to reset password for user "reset@example.com"');
    expect((await refusal(auth.callResetPasswordFunction("ghost@example.com", "password5"))).errorCode).toBe(
      "UserNotFound",
    );
  });

  it("lets a reset token expire after 30 minutes", async () => {
    let clock = Date.now();
    const { realm, auth } = await start({ autoConfirm: true, now: () => clock });
    await auth.register("slow@example.com", "password1");
    await auth.sendResetPasswordEmail("slow@example.com");
    const mail = realm.outbox.latest("slow@example.com", "reset")!;
    clock += 30 * 60_000 + 1;
    const error = await refusal(auth.resetPassword(mail.token, mail.tokenId, "password2"));
    expect(error.errorCode).toBe("UserpassTokenInvalid");
    await auth.login("slow@example.com", "password1");
  });
});

describe("users, pending registrations and sessions", () => {
  it("lists a user only after the first login; a confirmed user stays pending until then", async () => {
    const { realm, auth, admin } = await start();
    await auth.register("first@example.com", "password1");
    const mail = realm.outbox.latest("first@example.com", "confirm")!;
    await auth.confirm(mail.token, mail.tokenId);
    expect((await admin.listPendingUsers()).map((user) => user.email)).toEqual(["first@example.com"]);
    expect(await admin.listUsers()).toEqual([]);

    const session = await auth.login("first@example.com", "password1");
    expect(await admin.listPendingUsers()).toEqual([]);
    const [listed] = await admin.listUsers();
    expect(listed?.id).toBe(session.userId);
    expect(listed?.lastAuthenticationDate).toBeGreaterThan(0);
  });

  it("lists an admin-created user at once, confirmed, with a custom-data document", async () => {
    const { realm, auth, admin } = await start();
    const created = await admin.createUser("made@example.com", "password1");
    expect((await admin.listUsers()).map((user) => user.id)).toEqual([created.id]);
    expect(await admin.listPendingUsers()).toEqual([]);
    expect(realm.userDocuments().some((doc) => doc.user_id === created.id)).toBe(true);
    const session = await auth.login("made@example.com", "password1");
    expect(session.userId).toBe(created.id);
  });

  it("signs access tokens with exp, iat, sub, typ, device id and the user's custom data", async () => {
    const { realm, auth } = await start({ autoConfirm: true, accessTokenTtlSeconds: 300 });
    await auth.register("claims@example.com", "password1");
    const session = await auth.login("claims@example.com", "password1");
    const claims = JSON.parse(Buffer.from(session.accessToken.split(".")[1]!, "base64url").toString());
    expect(claims).toMatchObject({ sub: session.userId, typ: "access", baas_device_id: session.deviceId });
    expect(claims.exp - claims.iat).toBe(300);
    const document = realm.userDocuments().find((doc) => doc.user_id === session.userId);
    expect(claims.user_data).toEqual(document);
    const refresh = JSON.parse(Buffer.from(session.refreshToken.split(".")[1]!, "base64url").toString());
    expect(refresh.typ).toBe("refresh");
  });

  it("sends no user_data when the app has no custom user data", async () => {
    const { auth } = await start({ autoConfirm: true, customUserData: false });
    await auth.register("plain@example.com", "password1");
    const session = await auth.login("plain@example.com", "password1");
    expect(auth.decodeAccessToken(session.accessToken).userData).toEqual({});
  });

  it("revokes refresh tokens on logout, admin logout and disable; disable also stops access tokens", async () => {
    const { auth, admin } = await start({ autoConfirm: true });
    await auth.register("rev@example.com", "password1");

    const one = await auth.login("rev@example.com", "password1");
    await auth.logout(one.refreshToken);
    expect((await refusal(auth.refreshAccessToken(one.refreshToken))).errorCode).toBe("InvalidSession");
    expect((await refusal(auth.logout(one.refreshToken))).serverMessage).toBe(
      "invalid session: failed to find refresh token",
    );
    await auth.profile(one.accessToken); // Realm does not revoke access tokens on logout

    const two = await auth.login("rev@example.com", "password1");
    await admin.logoutUser(two.userId);
    expect((await refusal(auth.refreshAccessToken(two.refreshToken))).status).toBe(401);

    const three = await auth.login("rev@example.com", "password1");
    await admin.disableUser(three.userId);
    expect((await refusal(auth.refreshAccessToken(three.refreshToken))).errorCode).toBe("InvalidSession");
    expect((await refusal(auth.profile(three.accessToken))).errorCode).toBe("InvalidSession");
    expect((await refusal(auth.login("rev@example.com", "password1"))).errorCode).toBe("UserDisabled");
    await admin.enableUser(three.userId);
    await auth.login("rev@example.com", "password1");
  });

  it("keeps users, sessions and pending registrations in an SQLite file across a restart", async () => {
    const file = join(dir, "restart.db");
    const first = await startAppServicesEmulator({ storage: { kind: "sqlite", file } });
    const auth1 = new AuthClient({ appId: first.appId, baseUrl: first.baseUrl });
    await auth1.register("kept@example.com", "password1");
    const mail = first.outbox.latest("kept@example.com", "confirm")!;
    await auth1.confirm(mail.token, mail.tokenId);
    const session = await auth1.login("kept@example.com", "password1");
    await auth1.register("waiting@example.com", "password1");
    await first.stop();

    const { realm, auth, admin } = await start({ storage: { kind: "sqlite", file } });
    expect(realm.outbox.latest("waiting@example.com", "confirm")).toBeDefined();
    expect((await admin.listUsers()).map((user) => user.id)).toEqual([session.userId]);
    expect((await admin.listPendingUsers()).map((user) => user.email)).toEqual(["waiting@example.com"]);
    const access = await auth.refreshAccessToken(session.refreshToken);
    expect((await auth.profile(access)).userId).toBe(session.userId);
    expect((await auth.login("kept@example.com", "password1")).userId).toBe(session.userId);
    const pending = realm.outbox.latest("waiting@example.com", "confirm")!;
    await auth.confirm(pending.token, pending.tokenId);
  });

  it("refuses a storage file that is not an SQLite database with a typed error that names it, and leaves it as it was", async () => {
    const file = join(dir, "notes.txt");
    await writeFile(file, "these are someone's notes, not a database\n".repeat(200));
    const error = await startAppServicesEmulator({ storage: { kind: "sqlite", file } }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EmulatorConfigError);
    expect((error as EmulatorConfigError).code).toBe("INVALID_CONFIG");
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/not an SQLite database/);
    expect(await readFile(file, "utf8")).toBe("these are someone's notes, not a database\n".repeat(200));
  });

  it("serves the outbox to browsers at /_sandbox/outbox", async () => {
    const { realm, auth } = await start();
    await auth.register("box@example.com", "password1");
    await auth.resendConfirmationEmail("box@example.com");
    const response = await fetch(
      `${realm.baseUrl}/_sandbox/outbox?to=${encodeURIComponent("box@example.com")}`,
      {
        headers: { Origin: "http://localhost:5173" },
      },
    );
    expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const mails = (await response.json()) as Array<{ tokenId: string; kind: string }>;
    expect(mails).toHaveLength(2);
    expect(mails.at(-1)?.tokenId).toBe(realm.outbox.latest("box@example.com")?.tokenId);
  });
});

describe("the sandbox's own pages behind the email links", () => {
  it("confirms a user from the link in the confirmation email, and offers a form for reset links", async () => {
    const { realm, auth } = await start();
    await auth.register("link@example.com", "password1");
    const mail = realm.outbox.latest("link@example.com", "confirm")!;
    const confirmed = await fetch(mail.url);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("Email confirmed");
    await auth.login("link@example.com", "password1");
    const reused = await fetch(mail.url);
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain("invalid token data");

    await auth.sendResetPasswordEmail("link@example.com");
    const reset = await fetch(realm.outbox.latest("link@example.com", "reset")!.url);
    expect(reset.headers.get("content-type")).toContain("text/html");
    expect(await reset.text()).toContain("/auth/providers/local-userpass/reset");
  });
});

describe("seeding and the user collection", () => {
  it("seeds the same users for the same seed, every state present, seeded passwords working", async () => {
    const { realm, auth, admin } = await start();
    const summary = await realm.seed({ count: 120, seed: 7 });
    expect(summary.count).toBe(120);
    expect(Object.values(summary.byState).reduce((a, b) => a + b, 0)).toBe(120);
    for (const state of ["active", "never-logged-in", "pending", "disabled"]) {
      expect(summary.byState[state]).toBeGreaterThan(0);
      expect(summary.demoUsers.some((user) => user.state === state)).toBe(true);
    }
    const listed = await all(admin.users());
    expect(listed).toHaveLength(summary.byState.active! + summary.byState.disabled!);
    expect(listed.filter((user) => user.disabled)).toHaveLength(summary.byState.disabled!);
    const pending = await all(admin.pendingUsers());
    expect(pending).toHaveLength(summary.byState["never-logged-in"]! + summary.byState.pending!);
    expect(realm.userDocuments()).toHaveLength(listed.length);

    const twoYearsAgo = Date.UTC(2023, 8, 1) / 1000 - 1;
    for (const user of listed) {
      expect(user.creationDate).toBeGreaterThan(twoYearsAgo);
      expect(user.lastAuthenticationDate).toBeGreaterThanOrEqual(user.creationDate!);
    }

    const expect401 = async (email: string, password: string, code: string) =>
      expect((await refusal(auth.login(email, password))).errorCode).toBe(code);
    for (const demo of summary.demoUsers) {
      if (demo.state === "active" || demo.state === "never-logged-in")
        await auth.login(demo.email, demo.password);
      if (demo.state === "pending") await expect401(demo.email, demo.password, "AuthError");
      if (demo.state === "disabled") await expect401(demo.email, demo.password, "UserDisabled");
    }

    const twin = await start();
    await twin.realm.seed({ count: 120, seed: 7 });
    expect(twin.realm.userDocuments()).toEqual(
      realm.userDocuments().filter((doc) => listed.some((user) => user.id === doc.user_id)),
    );
    const again = await realm.seed({ count: 120, seed: 7 }); // a second seed changes nothing
    expect(again.byState).toEqual(summary.byState);
    const signedInLater = summary.demoUsers.filter((user) => user.state === "never-logged-in").length;
    expect(await all(admin.users())).toHaveLength(listed.length + signedInLater);
  });

  it("exports the user collection as mongoexport's canonical Extended JSON", async () => {
    const { realm } = await start();
    await realm.seed({ count: 10 });
    const file = join(dir, "users.json");
    await realm.exportUserCollection(file);
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(realm.userDocuments().length);
    const first = JSON.parse(lines[0]!);
    expect(first._id.$oid).toBe(realm.userDocuments()[0]?._id);
    expect(first.user_id).toMatch(/^[0-9a-f]{24}$/);
    expect(first.email).toMatch(/^user\d+@example\.com$/);
  });
});
