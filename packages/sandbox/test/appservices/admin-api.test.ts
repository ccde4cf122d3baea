import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppServicesEmulator, startAppServicesEmulator } from "../../src/appservices/index.js";

// The Admin API's wire shapes (reference/realm-api.md §2), checked over plain fetch.
let realm: AppServicesEmulator;
let tokens: { access_token: string; refresh_token: string };
const ADMIN = "/api/admin/v3.0";

beforeAll(async () => {
  realm = await startAppServicesEmulator();
  const response = await call("POST", `${ADMIN}/auth/providers/mongodb-cloud/login`, undefined, {
    username: realm.apiKey.publicKey,
    apiKey: realm.apiKey.privateKey,
  });
  expect(response.status).toBe(200);
  tokens = (await response.json()) as typeof tokens;
});

afterAll(async () => {
  await realm.stop();
});

function call(method: string, path: string, bearer?: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(`${realm.adminBaseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const app = (path: string) => `${ADMIN}/groups/${realm.groupId}/apps/${realm.appObjectId}/${path}`;
const userpass = (path: string) =>
  `/api/client/v2.0/app/${realm.appId}/auth/providers/local-userpass/${path}`;

describe("the emulated Admin API", () => {
  it("answers login with access_token, refresh_token, user_id and device_id", () => {
    expect(Object.keys(tokens).sort()).toEqual(["access_token", "device_id", "refresh_token", "user_id"]);
  });

  it("refreshes an admin session with 201, refuses an access token there, and logs out with 204", async () => {
    const refreshed = await call("POST", `${ADMIN}/auth/session`, tokens.refresh_token);
    expect(refreshed.status).toBe(201);
    expect(Object.keys((await refreshed.json()) as object)).toEqual(["access_token"]);
    const wrongType = await call("POST", `${ADMIN}/auth/session`, tokens.access_token);
    expect(wrongType.status).toBe(401);
    expect(await wrongType.json()).toMatchObject({ error: "invalid refresh token: incorrect token type" });

    const second = (await (
      await call("POST", `${ADMIN}/auth/providers/mongodb-cloud/login`, undefined, {
        username: realm.apiKey.publicKey,
        apiKey: realm.apiKey.privateKey,
      })
    ).json()) as typeof tokens;
    const logout = await call("DELETE", `${ADMIN}/auth/session`, second.refresh_token);
    expect(logout.status).toBe(204);
    expect(logout.headers.get("content-type")).toBeNull();
    const again = await call("POST", `${ADMIN}/auth/session`, second.refresh_token);
    expect(again.status).toBe(401);
  });

  it("describes the admin and the app: profile roles carry the project id", async () => {
    const profile = (await (await call("GET", `${ADMIN}/auth/profile`, tokens.access_token)).json()) as {
      roles: Array<{ group_id: string }>;
    };
    expect(profile.roles[0]?.group_id).toBe(realm.groupId);
    const apps = (await (
      await call("GET", `${ADMIN}/groups/${realm.groupId}/apps`, tokens.access_token)
    ).json()) as Array<Record<string, unknown>>;
    expect(apps[0]).toMatchObject({ _id: realm.appObjectId, client_app_id: realm.appId });
  });

  it("creates a user with 201 and Realm's user shape", async () => {
    const created = await call("POST", app("users"), tokens.access_token, {
      email: "shape@example.com",
      password: "password1",
    });
    expect(created.status).toBe(201);
    const user = (await created.json()) as Record<string, unknown>;
    expect(user).toMatchObject({
      domain_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      identities: [
        {
          id: expect.stringMatching(/^[0-9a-f]{24}$/),
          provider_type: "local-userpass",
          provider_id: expect.stringMatching(/^[0-9a-f]{24}$/),
          provider_data: { email: "shape@example.com" },
        },
      ],
      data: { email: "shape@example.com" },
      creation_date: expect.any(Number),
      disabled: false,
      type: "normal",
    });
    const fetched = await call("GET", app(`users/${user._id}`), tokens.access_token);
    expect(await fetched.json()).toEqual(user);
    for (const action of ["disable", "enable", "logout"]) {
      const response = await call("PUT", app(`users/${user._id}/${action}`), tokens.access_token);
      expect(response.status).toBe(204);
    }
    expect((await call("DELETE", app(`users/${user._id}`), tokens.access_token)).status).toBe(204);
  });

  it("lists pending registrations, hands out a confirmation token and re-runs confirmation", async () => {
    for (const email of ["p1@example.com", "p2@example.com"]) {
      const registered = await call("POST", userpass("register"), undefined, {
        email,
        password: "password1",
      });
      expect(registered.status).toBe(201);
    }
    const pending = (await (
      await call("GET", app("user_registrations/pending_users"), tokens.access_token)
    ).json()) as Array<Record<string, unknown>>;
    expect(pending[0]).toMatchObject({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      login_ids: [{ id_type: "email", id: "p1@example.com", confirmed: false }],
      user_id: "",
    });

    const sent = await call(
      "POST",
      app("user_registrations/by_email/p1%40example.com/send_confirm"),
      tokens.access_token,
    );
    expect(sent.status).toBe(200);
    const { token, token_id } = (await sent.json()) as { token: string; token_id: string };
    expect(realm.outbox.latest("p1@example.com", "confirm")?.tokenId).toBe(token_id);
    const confirmed = await call("POST", userpass("confirm"), undefined, { token, tokenId: token_id });
    expect(confirmed.status).toBe(204);
    const pendingAfter = (await (
      await call("GET", app("user_registrations/pending_users"), tokens.access_token)
    ).json()) as Array<{ login_ids: Array<{ id: string; confirmed: boolean }> }>;
    expect(
      pendingAfter.find((user) => user.login_ids[0]?.id === "p1@example.com")?.login_ids[0]?.confirmed,
    ).toBe(true); // confirmed, but still pending until the first login

    const rerun = await call(
      "POST",
      app("user_registrations/by_email/p2%40example.com/run_confirm"),
      tokens.access_token,
    );
    expect(rerun.status).toBe(202);
    expect(realm.outbox.latest("p2@example.com", "confirm")).toBeDefined();
    const already = await call(
      "POST",
      app("user_registrations/by_email/p1%40example.com/run_confirm"),
      tokens.access_token,
    );
    expect(already.status).toBe(400);
    expect(await already.json()).toMatchObject({
      error: "already confirmed",
      error_code: "UserAlreadyConfirmed",
    });
  });
});

describe("retrying a custom confirmation (confirm/call)", () => {
  it("runs the confirmation function again and confirms on success", async () => {
    let verdict: "pending" | "success" = "pending";
    const withFunction = await startAppServicesEmulator({
      confirmationFunction: () => ({ status: verdict }),
    });
    try {
      const post = (path: string, body: unknown) =>
        fetch(
          `${withFunction.baseUrl}/api/client/v2.0/app/${withFunction.appId}/auth/providers/local-userpass/${path}`,
          {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(body),
          },
        );
      expect((await post("register", { email: "retry@example.com", password: "password1" })).status).toBe(
        201,
      );
      expect((await post("login", { username: "retry@example.com", password: "password1" })).status).toBe(
        401,
      );
      verdict = "success";
      expect((await post("confirm/call", { email: "retry@example.com" })).status).toBe(204);
      expect((await post("login", { username: "retry@example.com", password: "password1" })).status).toBe(
        200,
      );
      const again = await post("confirm/call", { email: "retry@example.com" });
      expect(await again.json()).toMatchObject({ error_code: "UserAlreadyConfirmed" });
    } finally {
      await withFunction.stop();
    }
  });
});
