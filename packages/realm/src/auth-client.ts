import { RealmProtocolError } from "./errors.js";
import { type FetchFunction, isRecord, joinUrl, requestJson, requireString } from "./http.js";
import { decodeAccessToken, type RealmAccessTokenClaims } from "./token.js";

/** Hosted App Services; its client API was switched off with authentication on 2025-09-30. */
export const DEFAULT_REALM_BASE_URL = "https://services.cloud.mongodb.com";
const CLIENT_PATH = "/api/client/v2.0";

export interface AuthClientOptions {
  /** The client app id, e.g. `myapp-abcde` (not the app's ObjectId). */
  readonly appId: string;
  /** Where to ask for the app's location; default the hosted service. */
  readonly baseUrl?: string;
  /** Use `baseUrl` for every call instead of asking `/location` first (self-hosted servers). */
  readonly skipLocation?: boolean;
  /** Deadline of each request in milliseconds; default 10,000. */
  readonly timeoutMs?: number;
  readonly fetch?: FetchFunction;
}

export interface RealmSession {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly userId: string;
  readonly deviceId: string;
}

export interface RealmLocation {
  readonly hostname: string;
  readonly location: string;
  readonly deploymentModel: string;
}

export interface RealmIdentity {
  readonly id: string;
  readonly providerType: string;
}

export interface RealmProfile {
  readonly userId: string;
  readonly type: string;
  readonly identities: readonly RealmIdentity[];
  readonly data: Readonly<Record<string, unknown>>;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Overrides the client's deadline for this call. */
  readonly timeoutMs?: number;
}

/**
 * Client for the App Services client API's email/password provider and sessions, over fetch only, so
 * it runs in Node 20, Lambda and browsers. Logins are never retried: a retry could lock an account.
 * @example
 * const realm = new AuthClient({ appId: "myapp-abcde" });
 * const session = await realm.login("ada@example.com", password);
 */
export class AuthClient {
  readonly appId: string;
  readonly baseUrl: string;
  private readonly skipLocation: boolean;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFunction;
  private hostname: Promise<string> | undefined;

  constructor(options: AuthClientOptions) {
    if (!options.appId) throw new TypeError("AuthClient needs the client app id (appId)");
    this.appId = options.appId;
    this.baseUrl = options.baseUrl ?? DEFAULT_REALM_BASE_URL;
    new URL(this.baseUrl); // a malformed base URL is a caller's mistake: fail at construction
    this.skipLocation = options.skipLocation ?? false;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Where the app is served; later calls go to its `hostname`. */
  async location(options: CallOptions = {}): Promise<RealmLocation> {
    const url = joinUrl(this.baseUrl, `${CLIENT_PATH}/app/${encodeURIComponent(this.appId)}/location`);
    const body = await requestJson(this.fetchFn, { method: "GET", url, ...this.deadline(options) });
    const request = "GET location";
    return {
      hostname: requireString(body, "hostname", request),
      location: isRecord(body) && typeof body.location === "string" ? body.location : "",
      deploymentModel:
        isRecord(body) && typeof body.deployment_model === "string" ? body.deployment_model : "",
    };
  }

  /** Logs in with email and password; Realm answers 401 `InvalidPassword` alike for a wrong password and an unknown email. */
  async login(email: string, password: string, options: CallOptions = {}): Promise<RealmSession> {
    const body = await this.post("login", { username: email, password }, options);
    const request = "POST login";
    return {
      accessToken: requireString(body, "access_token", request),
      refreshToken: requireString(body, "refresh_token", request),
      userId: requireString(body, "user_id", request),
      deviceId: isRecord(body) && typeof body.device_id === "string" ? body.device_id : "",
    };
  }

  async register(email: string, password: string, options: CallOptions = {}): Promise<void> {
    await this.post("register", { email, password }, options);
  }

  async confirm(token: string, tokenId: string, options: CallOptions = {}): Promise<void> {
    await this.post("confirm", { token, tokenId }, options);
  }

  async resendConfirmationEmail(email: string, options: CallOptions = {}): Promise<void> {
    await this.post("confirm/send", { email }, options);
  }

  async sendResetPasswordEmail(email: string, options: CallOptions = {}): Promise<void> {
    await this.post("reset/send", { email }, options);
  }

  async resetPassword(
    token: string,
    tokenId: string,
    password: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.post("reset", { token, tokenId, password }, options);
  }

  /** Runs the app's reset function with `args`; what it returns decides whether the password changes. */
  async callResetPasswordFunction(
    email: string,
    password: string,
    args: readonly unknown[] = [],
    options: CallOptions = {},
  ): Promise<void> {
    await this.post("reset/call", { email, password, arguments: args }, options);
  }

  async profile(accessToken: string, options: CallOptions = {}): Promise<RealmProfile> {
    const body = await this.send("GET", "auth/profile", undefined, accessToken, options);
    return parseProfile(body);
  }

  /** A fresh access token for a refresh token. */
  async refreshAccessToken(refreshToken: string, options: CallOptions = {}): Promise<string> {
    const body = await this.send("POST", "auth/session", undefined, refreshToken, options);
    return requireString(body, "access_token", "POST auth/session");
  }

  async logout(refreshToken: string, options: CallOptions = {}): Promise<void> {
    await this.send("DELETE", "auth/session", undefined, refreshToken, options);
  }

  /** Deletes the signed-in user from the app. */
  async deleteUser(accessToken: string, options: CallOptions = {}): Promise<void> {
    await this.send("DELETE", "auth/delete", undefined, accessToken, options);
  }

  /** The claims of an access token (`sub`, `user_data`, ...), read without verification. */
  decodeAccessToken(accessToken: string): RealmAccessTokenClaims {
    return decodeAccessToken(accessToken);
  }

  private post(route: string, body: unknown, options: CallOptions): Promise<unknown> {
    return this.send(
      "POST",
      `app/${encodeURIComponent(this.appId)}/auth/providers/local-userpass/${route}`,
      body,
      undefined,
      options,
    );
  }

  private async send(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body: unknown,
    bearer: string | undefined,
    options: CallOptions,
  ): Promise<unknown> {
    const host = await this.resolveHost(options);
    const url = joinUrl(host, `${CLIENT_PATH}/${path}`);
    return requestJson(this.fetchFn, { method, url, body, bearer, ...this.deadline(options) });
  }

  private resolveHost(options: CallOptions): Promise<string> {
    if (this.skipLocation) return Promise.resolve(this.baseUrl);
    if (this.hostname === undefined) {
      const lookup = this.location(options).then((location) => location.hostname);
      // A failed lookup is not cached: the next call asks again.
      lookup.catch(() => {
        if (this.hostname === lookup) this.hostname = undefined;
      });
      this.hostname = lookup;
    }
    return this.hostname;
  }

  private deadline(options: CallOptions): { timeoutMs: number; signal?: AbortSignal } {
    return {
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    };
  }
}

function parseProfile(body: unknown): RealmProfile {
  const request = "GET auth/profile";
  if (!isRecord(body) || !Array.isArray(body.identities))
    throw new RealmProtocolError(request, "no identities");
  const identities: RealmIdentity[] = body.identities.filter(isRecord).map((identity) => ({
    id: typeof identity.id === "string" ? identity.id : "",
    providerType: typeof identity.provider_type === "string" ? identity.provider_type : "",
  }));
  return {
    userId: requireString(body, "user_id", request),
    type: typeof body.type === "string" ? body.type : "",
    identities,
    data: isRecord(body.data) ? body.data : {},
  };
}
