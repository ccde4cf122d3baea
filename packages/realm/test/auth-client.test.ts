import { type AppServicesEmulator, startAppServicesEmulator } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthClient,
  RealmProtocolError,
  RealmRejectedError,
  RealmTimeoutError,
  RealmUnavailableError,
} from "../src/index.js";
import { countingFetch, rejectionOf, startStubServer } from "./helpers.js";

let realm: AppServicesEmulator;
let withResetFunction: AppServicesEmulator;
const resetCalls: unknown[][] = [];

beforeAll(async () => {
  realm = await startAppServicesEmulator();
  withResetFunction = await startAppServicesEmulator({
    autoConfirm: true,
    resetFunction: (details, ...args) => {
      resetCalls.push([details, ...args]);
      return { status: args[0] === "let-me-in" ? "success" : "fail" };
    },
  });
});

afterAll(async () => {
  await Promise.all([realm.stop(), withResetFunction.stop()]);
});

function client(overrides: Partial<ConstructorParameters<typeof AuthClient>[0]> = {}): AuthClient {
  return new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl, ...overrides });
}

describe("AuthClient against the App Services emulator", () => {
  it("asks /location first and sends later calls to the hostname it names", async () => {
    const localhostBase = realm.baseUrl.replace("127.0.0.1", "localhost");
    const counting = countingFetch();
    const auth = client({ baseUrl: localhostBase, fetch: counting.fetch });
    const location = await auth.location();
    expect(location.hostname).toBe(localhostBase);
    expect(location.deploymentModel).toBe("GLOBAL");
    await rejectionOf(auth.login("nobody@example.com", "password1"));
    await rejectionOf(auth.login("nobody@example.com", "password1"));
    const locations = counting.calls.filter((call) => call.url.endsWith("/location"));
    expect(locations).toHaveLength(2); // one explicit, one cached lookup for both logins
  });

  it("skips /location when told to", async () => {
    const counting = countingFetch();
    const auth = client({ skipLocation: true, fetch: counting.fetch });
    await rejectionOf(auth.login("nobody@example.com", "password1"));
    expect(counting.calls.map((call) => call.url.split("/").at(-1))).toEqual(["login"]);
  });

  it("walks a user through register, confirm, login, profile, refresh, reset, logout and delete", async () => {
    const auth = client();
    const email = "walk@example.com";
    await auth.register(email, "password1");
    await auth.resendConfirmationEmail(email);
    const mail = realm.outbox.latest(email, "confirm")!;
    await auth.confirm(mail.token, mail.tokenId);

    const session = await auth.login(email, "password1");
    expect(session.deviceId).toMatch(/^[0-9a-f]{24}$/);
    const profile = await auth.profile(session.accessToken);
    expect(profile).toMatchObject({ userId: session.userId, type: "normal", data: { email } });
    expect(profile.identities[0]?.providerType).toBe("local-userpass");
    const claims = auth.decodeAccessToken(session.accessToken);
    expect(claims.sub).toBe(session.userId);
    expect(claims.userData.user_id).toBe(session.userId);

    const access = await auth.refreshAccessToken(session.refreshToken);
    expect(auth.decodeAccessToken(access).sub).toBe(session.userId);

    await auth.sendResetPasswordEmail(email);
    const reset = realm.outbox.latest(email, "reset")!;
    await auth.resetPassword(reset.token, reset.tokenId, "password2");
    const again = await auth.login(email, "password2");

    await auth.logout(session.refreshToken);
    await auth.deleteUser(again.accessToken);
    const gone = await rejectionOf(auth.login(email, "password2"));
    expect(gone).toBeInstanceOf(RealmRejectedError);
  });

  it("calls the reset function with the arguments given", async () => {
    const auth = new AuthClient({ appId: withResetFunction.appId, baseUrl: withResetFunction.baseUrl });
    await auth.register("fn@example.com", "password1");
    await auth.callResetPasswordFunction("fn@example.com", "password2", ["let-me-in"]);
    expect(resetCalls.at(-1)?.[1]).toBe("let-me-in");
    await auth.login("fn@example.com", "password2");
    const refused = await rejectionOf(auth.callResetPasswordFunction("fn@example.com", "password3"));
    expect(refused).toMatchObject({ status: 400, errorCode: "BadRequest" });
  });

  it("types Realm's refusals with status, error_code and message", async () => {
    const auth = client();
    await auth.register("twice@example.com", "password1");
    const duplicate = await rejectionOf(auth.register("twice@example.com", "password1"));
    expect(duplicate).toBeInstanceOf(RealmRejectedError);
    expect(duplicate).toMatchObject({
      status: 409,
      errorCode: "AccountNameInUse",
      serverMessage: "name already in use",
    });
    const wrong = await rejectionOf(auth.login("twice@example.com", "wrong-password"));
    expect(wrong).toMatchObject({ status: 401, errorCode: "InvalidPassword", code: "REALM_REJECTED" });
    const badToken = await rejectionOf(auth.confirm("00", "5f1e0a3b9c8d7e6f5a4b3c2d"));
    expect(badToken).toMatchObject({ status: 400, serverMessage: "invalid token data" });
    const session = await rejectionOf(auth.profile("not-a-token"));
    expect(session).toMatchObject({ status: 401, errorCode: "InvalidSession" });
  });

  it("never retries a login, even when the server is failing", async () => {
    const failing = await startStubServer((_request, response) => {
      response.writeHead(503, { "Content-Type": "application/json" });
      response.end('{"error":"down"}');
    });
    try {
      const auth = new AuthClient({ appId: "app-abcde", baseUrl: failing.url, skipLocation: true });
      const error = await rejectionOf(auth.login("a@example.com", "password1"));
      expect(error).toBeInstanceOf(RealmUnavailableError);
      expect(failing.requests()).toBe(1);
    } finally {
      await failing.stop();
    }
  });

  it("gives up on a server that never answers with RealmTimeoutError", async () => {
    const silent = await startStubServer(() => {
      // never answers
    });
    try {
      const auth = new AuthClient({
        appId: "app-abcde",
        baseUrl: silent.url,
        skipLocation: true,
        timeoutMs: 200,
      });
      const started = Date.now();
      const error = await rejectionOf(auth.login("a@example.com", "password1"));
      expect(error).toBeInstanceOf(RealmTimeoutError);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(silent.requests()).toBe(1);
    } finally {
      await silent.stop();
    }
  });

  it("reports an unreachable server as unavailable and a non-JSON answer as a protocol error", async () => {
    const gone = await startStubServer(() => {});
    const url = gone.url;
    await gone.stop();
    const unreachable = await rejectionOf(
      new AuthClient({ appId: "app-abcde", baseUrl: url, skipLocation: true }).login(
        "a@example.com",
        "pw1234",
      ),
    );
    expect(unreachable).toBeInstanceOf(RealmUnavailableError);

    const html = await startStubServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "text/html" });
      response.end("<html>hello</html>");
    });
    try {
      const error = await rejectionOf(new AuthClient({ appId: "app-abcde", baseUrl: html.url }).location());
      expect(error).toBeInstanceOf(RealmProtocolError);
    } finally {
      await html.stop();
    }
  });
});
