import { DEFAULT_REALM_BASE_URL } from "./auth-client.js";
import {
  RealmProtocolError,
  RealmRejectedError,
  RealmTimeoutError,
  RealmUnavailableError,
} from "./errors.js";
import {
  type FetchFunction,
  isRecord,
  type JsonRequest,
  joinUrl,
  requestJson,
  requireString,
} from "./http.js";

const ADMIN_PATH = "/api/admin/v3.0";

export interface AdminClientOptions {
  /** Atlas project id. */
  readonly groupId: string;
  /** The app's ObjectId `_id` (not the client app id). */
  readonly appObjectId: string;
  /** Atlas programmatic API key. */
  readonly publicKey: string;
  readonly privateKey: string;
  /** Default the hosted service. */
  readonly baseUrl?: string;
  readonly timeoutMs?: number;
  /** Attempts for reads (GET) on 429, 5xx, timeouts and network failures; writes are never retried. Default 3. */
  readonly readAttempts?: number;
  /** Backoff base in milliseconds between read attempts; default 250. */
  readonly backoffMs?: number;
  readonly fetch?: FetchFunction;
}

export interface RealmAdminIdentity {
  readonly id: string;
  readonly providerType: string;
  readonly providerId: string;
  readonly providerData: Readonly<Record<string, unknown>>;
}

/** A user as the Admin API lists it. Dates are seconds since the epoch, as Realm sends them. */
export interface RealmAdminUser {
  readonly id: string;
  readonly identities: readonly RealmAdminIdentity[];
  readonly data: Readonly<Record<string, unknown>>;
  readonly creationDate: number | undefined;
  readonly lastAuthenticationDate: number | undefined;
  readonly disabled: boolean;
  readonly type: string;
}

/** An email/password registration that was never confirmed. */
export interface RealmPendingUser {
  readonly id: string;
  readonly email: string;
}

export interface ListUsersQuery {
  readonly after?: string;
  readonly status?: "enabled" | "disabled";
  readonly providerTypes?: readonly string[];
}

/**
 * Client for the App Services Admin API v3: users and pending registrations of one app. Logs in with an
 * Atlas API key on first use and refreshes its session when Realm says it expired.
 * @example
 * const admin = new AdminClient({ groupId, appObjectId, publicKey, privateKey });
 * for await (const user of admin.users()) console.log(user.id);
 */
export class AdminClient {
  private readonly options: AdminClientOptions;
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFunction;
  private session: Promise<{ accessToken: string; refreshToken: string }> | undefined;
  /** Errors of a login: a read that fails because its login failed is not retried (logins never are). */
  private readonly loginErrors = new WeakSet<object>();

  constructor(options: AdminClientOptions) {
    for (const key of ["groupId", "appObjectId", "publicKey", "privateKey"] as const) {
      if (!options[key]) throw new TypeError(`AdminClient needs ${key}`);
    }
    this.options = options;
    this.baseUrl = options.baseUrl ?? DEFAULT_REALM_BASE_URL;
    new URL(this.baseUrl);
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** One page (at most 50) of confirmed users, ascending by id, after `query.after`. */
  async listUsers(query: ListUsersQuery = {}): Promise<RealmAdminUser[]> {
    const params = new URLSearchParams();
    if (query.after) params.set("after", query.after);
    if (query.status) params.set("status", query.status);
    if (query.providerTypes?.length) params.set("provider_types", query.providerTypes.join(","));
    const body = await this.read(`users${params.size ? `?${params}` : ""}`);
    return expectArray(body, "GET users").map(parseUser);
  }

  /** Every user, page after page; resume from a known id with `query.after`. */
  async *users(query: ListUsersQuery = {}): AsyncGenerator<RealmAdminUser> {
    let after = query.after;
    for (;;) {
      const page = await this.listUsers({ ...query, ...(after ? { after } : {}) });
      if (page.length === 0) return;
      yield* page;
      after = page[page.length - 1]!.id;
    }
  }

  async getUser(userId: string): Promise<RealmAdminUser> {
    return parseUser(await this.read(`users/${encodeURIComponent(userId)}`));
  }

  /** Creates a confirmed email/password user (admin-created users skip confirmation). */
  async createUser(email: string, password: string): Promise<RealmAdminUser> {
    return parseUser(await this.write("POST", "users", { email, password }));
  }

  async deleteUser(userId: string): Promise<void> {
    await this.write("DELETE", `users/${encodeURIComponent(userId)}`);
  }

  async disableUser(userId: string): Promise<void> {
    await this.write("PUT", `users/${encodeURIComponent(userId)}/disable`);
  }

  async enableUser(userId: string): Promise<void> {
    await this.write("PUT", `users/${encodeURIComponent(userId)}/enable`);
  }

  /** Revokes all the user's sessions. */
  async logoutUser(userId: string): Promise<void> {
    await this.write("PUT", `users/${encodeURIComponent(userId)}/logout`);
  }

  /** One page (at most 50) of pending registrations after `after`. */
  async listPendingUsers(after?: string): Promise<RealmPendingUser[]> {
    const body = await this.read(
      `user_registrations/pending_users${after ? `?after=${encodeURIComponent(after)}` : ""}`,
    );
    return expectArray(body, "GET pending_users").map(parsePendingUser);
  }

  /** Every pending registration, page after page. */
  async *pendingUsers(after?: string): AsyncGenerator<RealmPendingUser> {
    let cursor = after;
    for (;;) {
      const page = await this.listPendingUsers(cursor);
      if (page.length === 0) return;
      yield* page;
      cursor = page[page.length - 1]!.id;
    }
  }

  async confirmPendingUser(email: string): Promise<void> {
    await this.write("POST", `user_registrations/by_email/${encodeURIComponent(email)}/confirm`);
  }

  async deletePendingUser(email: string): Promise<void> {
    await this.write("DELETE", `user_registrations/by_email/${encodeURIComponent(email)}`);
  }

  /** Logs in (or reuses the session) and checks the key works; the answer `doctor` needs. */
  async checkCredentials(): Promise<void> {
    await this.accessToken();
  }

  private appPath(path: string): string {
    const { groupId, appObjectId } = this.options;
    return `groups/${encodeURIComponent(groupId)}/apps/${encodeURIComponent(appObjectId)}/${path}`;
  }

  private async read(path: string): Promise<unknown> {
    const attempts = Math.max(1, this.options.readAttempts ?? 3);
    const backoffMs = this.options.backoffMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.authorized("GET", this.appPath(path));
      } catch (error) {
        const transient =
          (error instanceof RealmUnavailableError || error instanceof RealmTimeoutError) &&
          !this.loginErrors.has(error);
        if (!transient || attempt >= attempts) throw error;
        await sleep(backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  }

  private write(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<unknown> {
    return this.authorized(method, this.appPath(path), body);
  }

  private async authorized(method: JsonRequest["method"], path: string, body?: unknown): Promise<unknown> {
    const send = async () =>
      requestJson(this.fetchFn, {
        method,
        url: joinUrl(this.baseUrl, `${ADMIN_PATH}/${path}`),
        body,
        bearer: await this.accessToken(),
        timeoutMs: this.options.timeoutMs ?? 15_000,
      });
    try {
      return await send();
    } catch (error) {
      if (!isExpiredSession(error)) throw error;
      this.session = undefined; // log in again, then retry once: the request was refused, not run
      return send();
    }
  }

  private accessToken(): Promise<string> {
    if (this.session === undefined) {
      const login = this.login();
      login.catch(() => {
        if (this.session === login) this.session = undefined;
      });
      this.session = login;
    }
    return this.session.then((session) => session.accessToken);
  }

  private async login(): Promise<{ accessToken: string; refreshToken: string }> {
    let body: unknown;
    try {
      body = await requestJson(this.fetchFn, {
        method: "POST",
        url: joinUrl(this.baseUrl, `${ADMIN_PATH}/auth/providers/mongodb-cloud/login`),
        body: { username: this.options.publicKey, apiKey: this.options.privateKey },
        timeoutMs: this.options.timeoutMs ?? 15_000,
      });
    } catch (error) {
      if (typeof error === "object" && error !== null) this.loginErrors.add(error);
      throw error;
    }
    const request = "POST admin login";
    return {
      accessToken: requireString(body, "access_token", request),
      refreshToken: requireString(body, "refresh_token", request),
    };
  }
}

function isExpiredSession(error: unknown): boolean {
  return error instanceof RealmRejectedError && error.status === 401 && error.errorCode === "InvalidSession";
}

function expectArray(body: unknown, request: string): unknown[] {
  if (!Array.isArray(body)) throw new RealmProtocolError(request, "expected a JSON array");
  return body;
}

function parseUser(body: unknown): RealmAdminUser {
  const request = "admin user";
  if (!isRecord(body)) throw new RealmProtocolError(request, "expected an object");
  const identities = Array.isArray(body.identities) ? body.identities.filter(isRecord) : [];
  return {
    id: requireString(body, "_id", request),
    identities: identities.map((identity) => ({
      id: typeof identity.id === "string" ? identity.id : "",
      providerType: typeof identity.provider_type === "string" ? identity.provider_type : "",
      providerId: typeof identity.provider_id === "string" ? identity.provider_id : "",
      providerData: isRecord(identity.provider_data) ? identity.provider_data : {},
    })),
    data: isRecord(body.data) ? body.data : {},
    creationDate: typeof body.creation_date === "number" ? body.creation_date : undefined,
    lastAuthenticationDate:
      typeof body.last_authentication_date === "number" ? body.last_authentication_date : undefined,
    disabled: body.disabled === true,
    type: typeof body.type === "string" ? body.type : "",
  };
}

function parsePendingUser(body: unknown): RealmPendingUser {
  const request = "pending user";
  if (!isRecord(body) || !Array.isArray(body.login_ids))
    throw new RealmProtocolError(request, "no login_ids");
  const emailId = body.login_ids.filter(isRecord).find((login) => login.id_type === "email");
  if (emailId === undefined || typeof emailId.id !== "string")
    throw new RealmProtocolError(request, "no email login id");
  return { id: requireString(body, "_id", request), email: emailId.id };
}

/** The email of a user's email/password identity, if it has one. */
export function emailOf(user: RealmAdminUser): string | undefined {
  const identity = user.identities.find((candidate) => candidate.providerType === "local-userpass");
  const fromIdentity = identity?.providerData.email;
  if (typeof fromIdentity === "string") return fromIdentity;
  return typeof user.data.email === "string" ? user.data.email : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
