import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppServicesEmulator, startAppServicesEmulator } from "../../src/appservices/index.js";

// Every request here is wrong in some way. Each must get a 4xx with Realm's JSON error body; never a 5xx,
// and the server must keep answering afterwards.
let realm: AppServicesEmulator;
let adminToken: string;
let clientAccess: string;
let clientRefresh: string;

const CLIENT = "/api/client/v2.0";
const USERPASS = `${CLIENT}/app/sandbox-app-abcde/auth/providers/local-userpass`;
const ADMIN = "/api/admin/v3.0";
let APP = "";

const internalErrors: string[] = [];
const recordWarning = (warning: Error) => {
  if (warning.message.includes("App Services emulator")) internalErrors.push(warning.message);
};

beforeAll(async () => {
  process.on("warning", recordWarning);
  realm = await startAppServicesEmulator({ autoConfirm: true });
  APP = `${ADMIN}/groups/${realm.groupId}/apps/${realm.appObjectId}`;
  await raw("POST", `${USERPASS}/register`, { body: '{"email":"ok@example.com","password":"password1"}' });
  const login = await raw("POST", `${USERPASS}/login`, {
    body: '{"username":"ok@example.com","password":"password1"}',
  });
  ({ access_token: clientAccess, refresh_token: clientRefresh } = JSON.parse(login.text));
  const admin = await raw("POST", `${ADMIN}/auth/providers/mongodb-cloud/login`, {
    body: JSON.stringify({ username: realm.apiKey.publicKey, apiKey: realm.apiKey.privateKey }),
  });
  adminToken = JSON.parse(admin.text).access_token;
});

afterAll(async () => {
  process.off("warning", recordWarning);
  await realm.stop();
});

interface RawOptions {
  body?: string | Buffer;
  contentType?: string | null;
  bearer?: string;
  headers?: Record<string, string>;
}

/** A request through node:http, so that bodies and headers fetch would refuse to send can be sent. */
function raw(
  method: string,
  path: string,
  options: RawOptions = {},
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const url = new URL(realm.baseUrl);
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined && options.contentType !== null) {
    headers["Content-Type"] = options.contentType ?? "application/json";
  }
  if (options.body !== undefined && headers["Content-Length"] === undefined) {
    headers["Content-Length"] = String(Buffer.byteLength(options.body));
  }
  if (options.bearer !== undefined) headers.Authorization = `Bearer ${options.bearer}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString("utf8"),
          headers: res.headers,
        }),
      );
    });
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

type Case = [name: string, method: string, path: () => string, options: () => RawOptions, status: number];

const cases: Case[] = [
  // Bodies
  ["malformed JSON", "POST", () => `${USERPASS}/login`, () => ({ body: '{"username":' }), 400],
  ["empty body", "POST", () => `${USERPASS}/login`, () => ({ body: "" }), 400],
  ["no body at all", "POST", () => `${USERPASS}/register`, () => ({}), 400],
  ["JSON null", "POST", () => `${USERPASS}/login`, () => ({ body: "null" }), 400],
  ["JSON array", "POST", () => `${USERPASS}/login`, () => ({ body: "[]" }), 400],
  ["JSON string", "POST", () => `${USERPASS}/login`, () => ({ body: '"hello"' }), 400],
  ["JSON number", "POST", () => `${USERPASS}/register`, () => ({ body: "42" }), 400],
  ["missing password", "POST", () => `${USERPASS}/login`, () => ({ body: '{"username":"a@b.c"}' }), 400],
  [
    "username as a number",
    "POST",
    () => `${USERPASS}/login`,
    () => ({ body: '{"username":1,"password":"x"}' }),
    400,
  ],
  [
    "password as an object",
    "POST",
    () => `${USERPASS}/register`,
    () => ({ body: '{"email":"a@b.c","password":{}}' }),
    400,
  ],
  [
    "empty email",
    "POST",
    () => `${USERPASS}/register`,
    () => ({ body: '{"email":"","password":"password1"}' }),
    400,
  ],
  [
    "short password",
    "POST",
    () => `${USERPASS}/register`,
    () => ({ body: '{"email":"n@b.c","password":"12345"}' }),
    400,
  ],
  [
    "token_id in snake case",
    "POST",
    () => `${USERPASS}/confirm`,
    () => ({ body: '{"token":"ab","token_id":"cd"}' }),
    400,
  ],
  [
    "tokenId not an ObjectId",
    "POST",
    () => `${USERPASS}/confirm`,
    () => ({ body: '{"token":"ab","tokenId":"zz"}' }),
    400,
  ],
  [
    "reset with a made-up token",
    "POST",
    () => `${USERPASS}/reset`,
    () => ({ body: `{"token":"ab","tokenId":"${"a".repeat(24)}","password":"password2"}` }),
    400,
  ],
  [
    "reset/call arguments not an array",
    "POST",
    () => `${USERPASS}/reset/call`,
    () => ({ body: '{"email":"ok@example.com","password":"password1","arguments":"x"}' }),
    400,
  ],
  [
    "reset/call without a reset function",
    "POST",
    () => `${USERPASS}/reset/call`,
    () => ({ body: '{"email":"ok@example.com","password":"password1"}' }),
    400,
  ],
  [
    "confirm/send for an unknown email",
    "POST",
    () => `${USERPASS}/confirm/send`,
    () => ({ body: '{"email":"nobody@example.com"}' }),
    404,
  ],
  [
    "text/plain content type",
    "POST",
    () => `${USERPASS}/login`,
    () => ({ body: '{"username":"a","password":"b"}', contentType: "text/plain" }),
    415,
  ],
  [
    "form content type",
    "POST",
    () => `${USERPASS}/login`,
    () => ({ body: "username=a&password=b", contentType: "application/x-www-form-urlencoded" }),
    415,
  ],
  [
    "JSON without a content type",
    "POST",
    () => `${USERPASS}/login`,
    () => ({ body: '{"username":"ok@example.com","password":"wrong-one"}', contentType: null }),
    401,
  ],
  [
    "invalid UTF-8",
    "POST",
    () => `${USERPASS}/login`,
    () => ({ body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }),
    400,
  ],
  [
    "a 2 MB body",
    "POST",
    () => `${USERPASS}/register`,
    () => ({ body: JSON.stringify({ email: "big@example.com", password: "x".repeat(2 * 1024 * 1024) }) }),
    413,
  ],
  [
    "a deeply nested body",
    "POST",
    () => `${USERPASS}/login`,
    () => ({ body: `${"[".repeat(5000)}${"]".repeat(5000)}` }),
    400,
  ],
  [
    "__proto__ keys",
    "POST",
    () => `${USERPASS}/login`,
    () => ({ body: '{"__proto__":{"username":"x"},"password":"y"}' }),
    400,
  ],
  // Routes and methods
  ["unknown route", "GET", () => "/nothing/here", () => ({}), 404],
  [
    "unknown client route",
    "POST",
    () => `${CLIENT}/app/sandbox-app-abcde/functions/call`,
    () => ({ body: "{}" }),
    404,
  ],
  [
    "unknown app id",
    "POST",
    () => `${CLIENT}/app/other-app-zzzzz/auth/providers/local-userpass/login`,
    () => ({ body: "{}" }),
    404,
  ],
  [
    "unknown provider",
    "POST",
    () => `${CLIENT}/app/sandbox-app-abcde/auth/providers/anon-user/login`,
    () => ({ body: "{}" }),
    404,
  ],
  ["GET on login", "GET", () => `${USERPASS}/login`, () => ({}), 405],
  ["PUT on register", "PUT", () => `${USERPASS}/register`, () => ({ body: "{}" }), 405],
  ["PATCH on location", "PATCH", () => `${CLIENT}/app/sandbox-app-abcde/location`, () => ({}), 405],
  [
    "bad percent-encoding in a path",
    "DELETE",
    () => `${APP}/user_registrations/by_email/%E0%A4%A`,
    () => ({ bearer: adminToken }),
    400,
  ],
  // Tokens
  ["profile without a token", "GET", () => `${CLIENT}/auth/profile`, () => ({}), 401],
  ["profile with garbage", "GET", () => `${CLIENT}/auth/profile`, () => ({ bearer: "garbage" }), 401],
  [
    "profile with a refresh token",
    "GET",
    () => `${CLIENT}/auth/profile`,
    () => ({ bearer: clientRefresh }),
    401,
  ],
  [
    "profile with a forged signature",
    "GET",
    () => `${CLIENT}/auth/profile`,
    () => ({ bearer: `${clientAccess.slice(0, -4)}AAAA` }),
    401,
  ],
  [
    "profile with a Basic header",
    "GET",
    () => `${CLIENT}/auth/profile`,
    () => ({ headers: { Authorization: "Basic abc" } }),
    401,
  ],
  [
    "refresh with an access token",
    "POST",
    () => `${CLIENT}/auth/session`,
    () => ({ bearer: clientAccess }),
    401,
  ],
  ["logout with garbage", "DELETE", () => `${CLIENT}/auth/session`, () => ({ bearer: "a.b.c" }), 401],
  ["client token on the admin API", "GET", () => `${APP}/users`, () => ({ bearer: clientAccess }), 401],
  [
    "admin token on the client API",
    "GET",
    () => `${CLIENT}/auth/profile`,
    () => ({ bearer: adminToken }),
    401,
  ],
  // Admin API
  [
    "admin login with a wrong key",
    "POST",
    () => `${ADMIN}/auth/providers/mongodb-cloud/login`,
    () => ({ body: '{"username":"x","apiKey":"y"}' }),
    401,
  ],
  [
    "admin login with snake_case",
    "POST",
    () => `${ADMIN}/auth/providers/mongodb-cloud/login`,
    () => ({ body: '{"username":"x","api_key":"y"}' }),
    400,
  ],
  ["admin users without a token", "GET", () => `${APP}/users`, () => ({}), 401],
  [
    "wrong group id",
    "GET",
    () => `${ADMIN}/groups/${"0".repeat(24)}/apps/${realm.appObjectId}/users`,
    () => ({ bearer: adminToken }),
    404,
  ],
  [
    "wrong app object id",
    "GET",
    () => `${ADMIN}/groups/${realm.groupId}/apps/${"0".repeat(24)}/users`,
    () => ({ bearer: adminToken }),
    404,
  ],
  ["after not an ObjectId", "GET", () => `${APP}/users?after=zzz`, () => ({ bearer: adminToken }), 400],
  ["unknown status", "GET", () => `${APP}/users?status=gone`, () => ({ bearer: adminToken }), 400],
  [
    "pending after not an ObjectId",
    "GET",
    () => `${APP}/user_registrations/pending_users?after=1`,
    () => ({ bearer: adminToken }),
    400,
  ],
  ["unknown user id", "GET", () => `${APP}/users/${"a".repeat(24)}`, () => ({ bearer: adminToken }), 404],
  [
    "user id not an ObjectId",
    "PUT",
    () => `${APP}/users/not-an-id/disable`,
    () => ({ bearer: adminToken }),
    404,
  ],
  [
    "create user without a password",
    "POST",
    () => `${APP}/users`,
    () => ({ bearer: adminToken, body: '{"email":"x@y.z"}' }),
    400,
  ],
  [
    "create user that exists",
    "POST",
    () => `${APP}/users`,
    () => ({ bearer: adminToken, body: '{"email":"ok@example.com","password":"password1"}' }),
    409,
  ],
  [
    "confirm an unknown pending user",
    "POST",
    () => `${APP}/user_registrations/by_email/nobody%40example.com/confirm`,
    () => ({ bearer: adminToken }),
    404,
  ],
  [
    "confirm a confirmed user",
    "POST",
    () => `${APP}/user_registrations/by_email/ok%40example.com/confirm`,
    () => ({ bearer: adminToken }),
    400,
  ],
];

describe("malformed requests to the App Services emulator", () => {
  it.each(cases)("answers %s with a 4xx error body", async (_name, method, path, options, status) => {
    const response = await raw(method, path(), options());
    expect(response.status).toBe(status);
    expect(response.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(response.text) as Record<string, unknown>;
    expect(typeof body.error).toBe("string");
    expect(typeof body.error_code).toBe("string");
    expect(body.link).toMatch(/\/logs\?co_id=[0-9a-f]{24}$/);
  });

  it("answers a request with an absurd Content-Length by closing, and keeps serving", async () => {
    await raw("POST", `${USERPASS}/login`, { headers: { "Content-Length": String(10 ** 9) } }).catch(
      () => undefined,
    );
    const location = await raw("GET", `${CLIENT}/app/sandbox-app-abcde/location`);
    expect(location.status).toBe(200);
  });

  it("answers a request too broken to parse with 400 and an error body, and keeps serving", async () => {
    const url = new URL(realm.baseUrl);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.end("NOT HTTP AT ALL\r\n\r\n"));
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString();
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect(reply).toContain('"error_code":"BadRequest"');
    const huge = await raw("GET", `${CLIENT}/app/sandbox-app-abcde/location`, {
      headers: { "X-Big": "x".repeat(20_000) },
    });
    expect(huge.status).toBe(431);
    expect((await raw("GET", `${CLIENT}/app/sandbox-app-abcde/location`)).status).toBe(200);
  });

  it("answers a CORS preflight from a browser", async () => {
    const response = await raw("OPTIONS", `${USERPASS}/login`, {
      headers: {
        Origin: "http://localhost:5173",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(String(response.headers["access-control-allow-headers"]).toLowerCase()).toContain("authorization");
    expect(String(response.headers["access-control-allow-methods"])).toContain("DELETE");
  });

  it("answers any JSON value or any text sent to any route with a 2xx or a 4xx error body, never a 5xx", async () => {
    const routes: Array<[string, () => string]> = [
      ...[
        "login",
        "register",
        "confirm",
        "confirm/send",
        "confirm/call",
        "reset/send",
        "reset",
        "reset/call",
      ].map((route): [string, () => string] => ["POST", () => `${USERPASS}/${route}`]),
      ["POST", () => `${ADMIN}/auth/providers/mongodb-cloud/login`],
      ["POST", () => `${APP}/users`],
      ["POST", () => `${APP}/user_registrations/by_email/fuzz%40example.com/confirm`],
      ["DELETE", () => `${CLIENT}/auth/session`],
      ["GET", () => `${APP}/users?after=${"f".repeat(24)}`],
    ];
    const bodies = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 200 }),
      fc.record({ email: fc.string(), password: fc.string(), username: fc.anything() }).map((value) => {
        try {
          return JSON.stringify(value) ?? "{}";
        } catch {
          return "{}";
        }
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), bodies, async ([method, path], body) => {
        const response = await raw(method, path(), { body, bearer: adminToken });
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) expect(JSON.parse(response.text)).toHaveProperty("error_code");
      }),
      { numRuns: 300 },
    );
  });

  it("survives a client that goes away in the middle of its body", async () => {
    const url = new URL(realm.baseUrl);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST ${USERPASS}/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await raw("GET", `${CLIENT}/app/sandbox-app-abcde/location`)).status).toBe(200);
  });

  it("still answers correctly after all of that, having hit no internal error", async () => {
    expect(internalErrors).toEqual([]);
    const login = await raw("POST", `${USERPASS}/login`, {
      body: '{"username":"ok@example.com","password":"password1"}',
    });
    expect(login.status).toBe(200);
  });
});
