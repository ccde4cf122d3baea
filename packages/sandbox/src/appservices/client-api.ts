import { z } from "zod";
import type { EmulatedApp } from "./app.js";
import { refusals } from "./errors.js";
import { noContent, type Route, type RouteRequest } from "./http.js";

const CLIENT = "/api/client/v2.0";
const APP = `${CLIENT}/app/([^/]+)`;
const USERPASS = `${APP}/auth/providers/local-userpass`;

// Realm accepts and ignores unknown keys; the exact key casing (`tokenId`) is what matters.
const loginBody = z.object({
  username: z.string(),
  password: z.string(),
  options: z.unknown().optional(),
});
const credentialsBody = z.object({ email: z.string().min(1), password: z.string() });
const tokenBody = z.object({ token: z.string(), tokenId: z.string() });
const emailBody = z.object({ email: z.string().min(1) });
const resetBody = z.object({ token: z.string(), tokenId: z.string(), password: z.string() });
const resetCallBody = z.object({
  email: z.string().min(1),
  password: z.string(),
  arguments: z.array(z.unknown()).optional(),
});

/** The client API (`/api/client/v2.0`) routes realm-web and our AuthClient call. */
/**
 * flowerbase's login limit (its AUTH_LOGIN_MAX_ATTEMPTS per AUTH_RATE_LIMIT_WINDOW_MS, default 10 per
 * 15 minutes): every attempt from one client address counts, refused or not, in a sliding window, and
 * past the limit the login answers 429 `{"message":"Too many requests"}`.
 */
export interface LoginLimit {
  readonly max: number;
  readonly windowMs: number;
}

function loginLimiter(limit: LoginLimit | undefined, now: () => number) {
  const attempts = new Map<string, number[]>();
  return (address: string): boolean => {
    if (limit === undefined) return true;
    const at = now();
    const recent = (attempts.get(address) ?? []).filter((time) => at - time < limit.windowMs);
    recent.push(at);
    attempts.set(address, recent);
    return recent.length <= limit.max;
  };
}

export function clientRoutes(
  app: EmulatedApp,
  options: { loginLimit?: LoginLimit; now?: () => number } = {},
): Route[] {
  const loginAllowed = loginLimiter(options.loginLimit, options.now ?? Date.now);
  const { appId } = app.settings;
  const forApp = (handle: (request: RouteRequest) => ReturnType<Route["handle"]>) => {
    return (request: RouteRequest) => {
      if (request.params[0] !== appId) throw refusals.appNotFound(request.params[0] ?? "");
      return handle(request);
    };
  };
  const post = (path: string, handle: (request: RouteRequest) => ReturnType<Route["handle"]>): Route => ({
    method: "POST",
    pattern: new RegExp(`^${USERPASS}/${path}/?$`),
    handle: forApp(handle),
  });
  return [
    {
      method: "GET",
      pattern: new RegExp(`^${APP}/location/?$`),
      handle: forApp((request) => ({
        status: 200,
        body: {
          deployment_model: "GLOBAL",
          location: "US-VA",
          hostname: request.origin,
          ws_hostname: request.origin.replace(/^http/, "ws"),
        },
      })),
    },
    post("login", (request) => {
      if (!loginAllowed(request.clientAddress))
        return { status: 429, body: { message: "Too many requests" } };
      const body = request.body(loginBody);
      return { status: 200, body: app.login(body.username, body.password, deviceIdOf(body.options)) };
    }),
    post("register", async (request) => {
      const body = request.body(credentialsBody);
      await app.register(body.email, body.password);
      return { status: 201 };
    }),
    post("confirm", (request) => {
      const body = request.body(tokenBody);
      app.confirm(body.token, body.tokenId);
      return noContent;
    }),
    post("confirm/send", (request) => {
      app.resendConfirmation(request.body(emailBody).email);
      return noContent;
    }),
    post("confirm/call", async (request) => {
      await app.retryConfirmation(request.body(emailBody).email);
      return noContent;
    }),
    post("reset/send", (request) => {
      app.sendResetEmail(request.body(emailBody).email);
      return noContent;
    }),
    post("reset", (request) => {
      const body = request.body(resetBody);
      app.resetPassword(body.token, body.tokenId, body.password);
      return noContent;
    }),
    post("reset/call", async (request) => {
      const body = request.body(resetCallBody);
      await app.callResetFunction(body.email, body.password, body.arguments ?? []);
      return noContent;
    }),
    {
      // Only email/password is emulated; other providers are "not found" as when they are not enabled.
      method: "POST",
      pattern: new RegExp(`^${APP}/auth/providers/([^/]+)/login/?$`),
      handle: forApp((request) => {
        throw refusals.providerNotFound(request.params[1] ?? "");
      }),
    },
    {
      method: "GET",
      pattern: new RegExp(`^${CLIENT}/auth/profile/?$`),
      handle: (request) => ({ status: 200, body: app.profile(request.bearer) }),
    },
    {
      method: "POST",
      pattern: new RegExp(`^${CLIENT}/auth/session/?$`),
      handle: (request) => ({ status: 201, body: app.refresh(request.bearer, "client") }),
    },
    {
      method: "DELETE",
      pattern: new RegExp(`^${CLIENT}/auth/session/?$`),
      handle: (request) => {
        app.logout(request.bearer, "client");
        return noContent;
      },
    },
    {
      method: "DELETE",
      pattern: new RegExp(`^${CLIENT}/auth/delete/?$`),
      handle: (request) => {
        app.deleteSelf(request.bearer);
        return noContent;
      },
    },
  ];
}

/** realm-web sends `options.device.deviceId` after its first login; reuse it like Realm does. */
function deviceIdOf(options: unknown): string | undefined {
  if (typeof options !== "object" || options === null) return undefined;
  const device = (options as { device?: unknown }).device;
  if (typeof device !== "object" || device === null) return undefined;
  const deviceId = (device as { deviceId?: unknown }).deviceId;
  return typeof deviceId === "string" ? deviceId : undefined;
}
