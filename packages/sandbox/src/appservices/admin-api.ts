import { z } from "zod";
import type { EmulatedApp } from "./app.js";
import { refusals } from "./errors.js";
import { noContent, type Reply, type Route, type RouteRequest, validated } from "./http.js";
import { isObjectId } from "./ids.js";

const ADMIN = "/api/admin/v3.0";
const APP = `${ADMIN}/groups/([^/]+)/apps/([^/]+)`;

const apiKeyLogin = z.object({ username: z.string(), apiKey: z.string() });
const newUser = z.object({ email: z.string().min(1), password: z.string() });
const objectId = z.string().refine(isObjectId, "must be a 24-hex ObjectId");
const pendingQuery = z.object({ after: objectId.optional() });
const listQuery = z.object({
  after: objectId.optional(),
  status: z.enum(["enabled", "disabled"]).optional(),
  provider_types: z.string().optional(),
  sort: z.literal("_id").optional(),
  desc: z.enum(["true", "false"]).optional(),
});

/** The Admin API v3 routes for users and pending registrations of the one emulated app. */
export function adminRoutes(app: EmulatedApp): Route[] {
  const { groupId, appObjectId } = app.settings;
  /** Admin routes: the token first (401), then the project and the app (404), as the real API orders them. */
  const forApp =
    (handle: (request: RouteRequest) => Reply | Promise<Reply>) =>
    (request: RouteRequest): Reply | Promise<Reply> => {
      app.adminAuthorize(request.bearer);
      if (request.params[0] !== groupId) throw refusals.groupNotFound();
      if (request.params[1] !== appObjectId) throw refusals.adminAppNotFound();
      return handle(request);
    };
  const route = (
    method: Route["method"],
    path: string,
    handle: (request: RouteRequest) => Reply | Promise<Reply>,
  ): Route => ({ method, pattern: new RegExp(`^${APP}/${path}/?$`), handle: forApp(handle) });
  const userId = (request: RouteRequest): string => {
    const id = request.params[2] ?? "";
    if (!isObjectId(id)) throw refusals.userNotFound();
    return id;
  };
  const email = (request: RouteRequest): string => request.params[2] ?? "";

  return [
    {
      method: "POST",
      pattern: new RegExp(`^${ADMIN}/auth/providers/mongodb-cloud/login/?$`),
      handle: (request) => {
        const body = request.body(apiKeyLogin);
        return { status: 200, body: app.adminLogin(body.username, body.apiKey) };
      },
    },
    {
      method: "POST",
      pattern: new RegExp(`^${ADMIN}/auth/session/?$`),
      handle: (request) => ({ status: 201, body: app.refresh(request.bearer, "admin") }),
    },
    {
      method: "DELETE",
      pattern: new RegExp(`^${ADMIN}/auth/session/?$`),
      handle: (request) => {
        app.logout(request.bearer, "admin");
        return noContent;
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^${ADMIN}/auth/profile/?$`),
      handle: (request) => {
        app.adminAuthorize(request.bearer);
        return { status: 200, body: app.adminProfile() };
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^${ADMIN}/groups/([^/]+)/apps/?$`),
      handle: (request) => {
        app.adminAuthorize(request.bearer);
        if (request.params[0] !== groupId) throw refusals.groupNotFound();
        return { status: 200, body: [appSummary(app)] };
      },
    },
    route("GET", "users", (request) => {
      const query = validated(listQuery, Object.fromEntries(request.query), "query");
      const listed =
        query.provider_types
          ?.split(",")
          .map((type) => type.trim())
          .filter(Boolean) ?? [];
      const providerTypes = listed.length > 0 ? listed : undefined;
      return {
        status: 200,
        body: app.listUsers({
          ...(query.after ? { after: query.after } : {}),
          ...(query.status ? { disabled: query.status === "disabled" } : {}),
          ...(query.desc === "true" ? { descending: true } : {}),
          ...(providerTypes ? { providerTypes } : {}),
        }),
      };
    }),
    route("POST", "users", (request) => {
      const body = request.body(newUser);
      return { status: 201, body: app.createUser(body.email, body.password) };
    }),
    route("GET", "users/([^/]+)", (request) => ({ status: 200, body: app.getUser(userId(request)) })),
    route("DELETE", "users/([^/]+)", (request) => {
      app.deleteUser(userId(request));
      return noContent;
    }),
    route("PUT", "users/([^/]+)/disable", (request) => {
      app.setUserDisabled(userId(request), true);
      return noContent;
    }),
    route("PUT", "users/([^/]+)/enable", (request) => {
      app.setUserDisabled(userId(request), false);
      return noContent;
    }),
    route("PUT", "users/([^/]+)/logout", (request) => {
      app.logoutUser(userId(request));
      return noContent;
    }),
    route("GET", "user_registrations/pending_users", (request) => {
      const { after } = validated(pendingQuery, { after: request.query.get("after") ?? undefined }, "query");
      return { status: 200, body: app.pendingUsers(after) };
    }),
    route("DELETE", "user_registrations/by_email/([^/]+)", (request) => {
      app.deletePending(email(request));
      return noContent;
    }),
    route("POST", "user_registrations/by_email/([^/]+)/confirm", (request) => {
      app.confirmPending(email(request));
      return noContent;
    }),
    route("POST", "user_registrations/by_email/([^/]+)/send_confirm", (request) => ({
      status: 200,
      body: app.sendPendingConfirmation(email(request)),
    })),
    route("POST", "user_registrations/by_email/([^/]+)/run_confirm", async (request) => {
      await app.rerunPendingConfirmation(email(request));
      return { status: 202 };
    }),
  ];
}

function appSummary(app: EmulatedApp): Record<string, unknown> {
  const { settings } = app;
  return {
    _id: settings.appObjectId,
    group_id: settings.groupId,
    domain_id: settings.domainId,
    client_app_id: settings.appId,
    name: settings.appId.replace(/-[a-z]{5}$/, ""),
    location: "US-VA",
    deployment_model: "GLOBAL",
    product: "standard",
    environment: "development",
  };
}
