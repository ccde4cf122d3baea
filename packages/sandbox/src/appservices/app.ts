import { randomBytes } from "node:crypto";
import { z } from "zod";
import { refusals } from "./errors.js";
import { isObjectId, newObjectId, newUserpassToken } from "./ids.js";
import { readToken, signToken, type TokenClaims, type TokenScope } from "./jwt.js";
import { hashPassword, passwordMatches } from "./passwords.js";
import type { AccountRow, EmulatorStore, MailRow, UserRow } from "./store.js";

export type FunctionStatus = "success" | "pending" | "fail";
export type ConfirmationFunction = (args: {
  username: string;
  token: string;
  tokenId: string;
}) => { status: FunctionStatus } | Promise<{ status: FunctionStatus }>;
export type ResetFunction = (
  args: { username: string; password: string; token: string; tokenId: string; currentPasswordValid: boolean },
  ...rest: unknown[]
) => { status: FunctionStatus } | Promise<{ status: FunctionStatus }>;

/** The settings of one emulated app, with every default filled in. */
export interface AppSettings {
  readonly appId: string;
  readonly groupId: string;
  readonly appObjectId: string;
  readonly domainId: string;
  readonly providerId: string;
  readonly adminUserId: string;
  readonly apiKey: { readonly publicKey: string; readonly privateKey: string };
  readonly autoConfirm: boolean;
  readonly confirmationFunction: ConfirmationFunction | undefined;
  readonly resetFunction: ResetFunction | undefined;
  readonly customUserData: { readonly collection: string; readonly userIdField: string } | false;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** Confirmation and reset links' lifetime (Realm: 30 minutes). */
  readonly userpassTokenTtlMs: number;
  readonly emailConfirmationUrl: string;
  readonly resetPasswordUrl: string;
  readonly now: () => number;
}

export interface LoginResult {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly user_id: string;
  readonly device_id: string;
}

const NO_DEVICE = "000000000000000000000000";
const functionAnswer = z.object({ status: z.enum(["success", "pending", "fail"]) });

/**
 * The emulated app: Realm's email/password provider, sessions and user management over the store. HTTP
 * knows nothing of this; every refusal is a ServiceError carrying Realm's own status and error body.
 */
export class EmulatedApp {
  readonly settings: AppSettings;
  private readonly store: EmulatorStore;
  private readonly secret: string;

  constructor(store: EmulatorStore, settings: AppSettings) {
    this.store = store;
    this.settings = settings;
    this.secret = store.meta("jwt_secret", () => randomBytes(32).toString("hex"));
  }

  private get nowMs(): number {
    return this.settings.now();
  }

  // Email/password provider

  async register(email: string, password: string): Promise<void> {
    const account = this.newAccount(email, password, this.settings.autoConfirm);
    if (!this.store.insertAccount(account)) throw refusals.nameInUse();
    if (this.settings.autoConfirm) return;
    if (this.settings.confirmationFunction === undefined) {
      this.mailToken(account, "confirm");
      return;
    }
    let status: FunctionStatus;
    try {
      status = await this.runConfirmation(account);
    } catch (error) {
      this.store.deleteAccount(account.id);
      throw error;
    }
    // "fail" creates no account: the email can register again.
    if (status === "fail") {
      this.store.deleteAccount(account.id);
      throw refusals.confirmFailed(email);
    }
  }

  confirm(token: string, tokenId: string): void {
    const row = this.validToken(token, tokenId, "confirm");
    this.store.transaction(() => {
      this.store.confirmAccount(row.account_id);
      this.store.deleteToken(row.token_id);
    });
  }

  resendConfirmation(email: string): void {
    const account = this.unconfirmedAccount(email);
    if (this.settings.confirmationFunction !== undefined) throw refusals.useConfirmFunction();
    this.mailToken(account, "confirm");
  }

  async retryConfirmation(email: string): Promise<void> {
    if (this.settings.autoConfirm) throw refusals.autoConfirmOn(email);
    const account = this.unconfirmedAccount(email);
    if (this.settings.confirmationFunction === undefined) throw refusals.useConfirmEmail();
    if ((await this.runConfirmation(account)) === "fail") throw refusals.confirmFailed(email);
  }

  sendResetEmail(email: string): void {
    if (this.settings.resetFunction !== undefined) throw refusals.useResetFunction();
    this.mailToken(this.accountOrRefuse(email), "reset");
  }

  resetPassword(token: string, tokenId: string, password: string): void {
    checkPasswordLength(password);
    const row = this.validToken(token, tokenId, "reset");
    this.store.transaction(() => {
      this.store.setPasswordHash(row.account_id, hashPassword(password));
      this.store.deleteToken(row.token_id);
    });
  }

  async callResetFunction(email: string, password: string, args: readonly unknown[]): Promise<void> {
    const resetFunction = this.settings.resetFunction;
    if (resetFunction === undefined) throw refusals.useResetEmail();
    checkPasswordLength(password);
    const account = this.accountOrRefuse(email);
    const { token, tokenId } = this.issueToken(account, "reset");
    const input = {
      username: email,
      password,
      token,
      tokenId,
      currentPasswordValid: passwordMatches(password, account.password_hash),
    };
    const status = await callUserFunction(() => resetFunction(input, ...args));
    if (status === "pending") return; // the app delivers token and tokenId itself; `reset` finishes
    this.store.deleteToken(tokenId);
    if (status === "fail") throw refusals.resetFailed(email);
    this.store.setPasswordHash(account.id, hashPassword(password));
  }

  // Sessions

  login(email: string, password: string, deviceId: string | undefined): LoginResult {
    const account = this.store.accountByEmail(email);
    // Unknown email and wrong password answer alike, as Realm does.
    if (account === undefined || !passwordMatches(password, account.password_hash)) {
      throw refusals.invalidPassword();
    }
    if (!account.confirmed) throw refusals.confirmationRequired();
    const existing = account.user_id ? this.store.userById(account.user_id) : undefined;
    if (existing?.disabled) throw refusals.userDisabled();
    const atSeconds = Math.floor(this.nowMs / 1000);
    const userId = this.store.transaction(() => {
      if (existing) {
        this.store.recordLogin(existing.id, atSeconds);
        return existing.id;
      }
      // The user object is born at the first login, not at confirmation.
      return this.createUserObject(account, atSeconds, atSeconds);
    });
    const device =
      deviceId && isObjectId(deviceId) && deviceId !== NO_DEVICE ? deviceId : newObjectId(this.nowMs);
    return this.openSession(userId, "client", device);
  }

  profile(accessToken: string | undefined): Record<string, unknown> {
    const user = this.clientUser(this.verify(accessToken, "access", "client"));
    return {
      user_id: user.id,
      domain_id: this.settings.domainId,
      identities: [this.identityOf(user)],
      data: { email: user.email },
      type: "normal",
    };
  }

  refresh(refreshToken: string | undefined, scope: TokenScope): { access_token: string } {
    const claims = this.verify(refreshToken, "refresh", scope);
    const session = this.liveSession(claims);
    if (scope === "client") this.clientUser(claims);
    return { access_token: this.accessToken(session.subject, scope, session.device_id) };
  }

  logout(refreshToken: string | undefined, scope: TokenScope): void {
    const claims = this.verify(refreshToken, "refresh", scope, { allowExpired: true });
    if (claims.baas_id === undefined || !this.store.deleteSession(claims.baas_id)) {
      throw refusals.invalidSession("failed to find refresh token");
    }
  }

  deleteSelf(accessToken: string | undefined): void {
    const user = this.clientUser(this.verify(accessToken, "access", "client"));
    this.removeUser(user);
  }

  // Admin API

  adminLogin(publicKey: string, privateKey: string): LoginResult {
    const { apiKey } = this.settings;
    if (publicKey !== apiKey.publicKey || privateKey !== apiKey.privateKey) throw refusals.invalidPassword();
    return this.openSession(this.settings.adminUserId, "admin", NO_DEVICE);
  }

  /** Checks an admin access token; throws 401 InvalidSession when it is not a live one. */
  adminAuthorize(accessToken: string | undefined): void {
    this.verify(accessToken, "access", "admin");
  }

  adminProfile(): Record<string, unknown> {
    return {
      user_id: this.settings.adminUserId,
      domain_id: this.settings.domainId,
      identities: [{ id: this.settings.adminUserId, provider_type: "mongodb-cloud" }],
      data: { email: "sandbox-admin@example.com", name: "Sandbox Admin" },
      type: "normal",
      roles: [{ role_name: "GROUP_OWNER", group_id: this.settings.groupId }],
    };
  }

  listUsers(query: {
    after?: string;
    disabled?: boolean;
    descending?: boolean;
    providerTypes?: readonly string[];
  }): Record<string, unknown>[] {
    if (query.providerTypes && !query.providerTypes.includes("local-userpass")) return [];
    return this.store.listUsers({ ...query, limit: 50 }).map((user) => this.userJson(user));
  }

  getUser(userId: string): Record<string, unknown> {
    return this.userJson(this.userOrRefuse(userId));
  }

  /** Admin-created users skip confirmation and are listed at once. */
  createUser(email: string, password: string): Record<string, unknown> {
    const account = this.newAccount(email, password, true);
    const userId = this.store.transaction(() => {
      if (!this.store.insertAccount(account)) throw refusals.nameInUse();
      return this.createUserObject(account, Math.floor(this.nowMs / 1000), null);
    });
    return this.getUser(userId);
  }

  deleteUser(userId: string): void {
    this.removeUser(this.userOrRefuse(userId));
  }

  setUserDisabled(userId: string, disabled: boolean): void {
    const user = this.userOrRefuse(userId);
    this.store.transaction(() => {
      this.store.setDisabled(user.id, disabled);
      if (disabled) this.store.deleteSessionsOf(user.id);
    });
  }

  logoutUser(userId: string): void {
    this.store.deleteSessionsOf(this.userOrRefuse(userId).id);
  }

  pendingUsers(after: string | undefined): Record<string, unknown>[] {
    return this.store.pendingAccounts(after, 50).map((account) => ({
      _id: account.id,
      domain_id: this.settings.domainId,
      // `confirmed` is the emulator's addition: it tells "pending confirmation" from "pending first login".
      login_ids: [{ id_type: "email", id: account.email, confirmed: account.confirmed === 1 }],
      user_id: "",
    }));
  }

  confirmPending(email: string): void {
    this.store.confirmAccount(this.unconfirmedAccount(email).id);
  }

  deletePending(email: string): void {
    const account = this.store.accountByEmail(email);
    if (account === undefined || account.user_id !== null) throw refusals.userNotFound();
    this.store.deleteAccount(account.id);
  }

  /** Mails a new confirmation token and, as the Stitch admin API did, hands it to the administrator. */
  sendPendingConfirmation(email: string): { token: string; token_id: string } {
    const { token, tokenId } = this.mailToken(this.unconfirmedAccount(email), "confirm");
    return { token, token_id: tokenId };
  }

  async rerunPendingConfirmation(email: string): Promise<void> {
    const account = this.unconfirmedAccount(email);
    if (this.settings.autoConfirm) {
      this.store.confirmAccount(account.id);
      return;
    }
    if (this.settings.confirmationFunction === undefined) {
      this.mailToken(account, "confirm");
      return;
    }
    if ((await this.runConfirmation(account)) === "fail") throw refusals.confirmFailed(email);
  }

  // Custom user data and outbox

  customDataOf(userId: string): Record<string, unknown> | undefined {
    const config = this.settings.customUserData;
    if (config === false) return undefined;
    const body = this.store.documentFor(config.collection, userId);
    return body === undefined ? undefined : (JSON.parse(body) as Record<string, unknown>);
  }

  mails(recipient?: string): MailRow[] {
    return this.store.mails(recipient);
  }

  // Internals

  /** A login not yet stored and without a user object; refuses a password Realm would refuse. */
  private newAccount(email: string, password: string, confirmed: boolean): AccountRow {
    checkPasswordLength(password);
    return {
      id: newObjectId(this.nowMs),
      email,
      password_hash: hashPassword(password),
      confirmed: confirmed ? 1 : 0,
      user_id: null,
      created_at: this.nowMs,
    };
  }

  private createUserObject(account: AccountRow, createdSeconds: number, lastLogin: number | null): string {
    const userId = newObjectId(this.nowMs);
    const user: UserRow = {
      id: userId,
      account_id: account.id,
      email: account.email,
      creation_date: createdSeconds,
      last_authentication_date: lastLogin,
      disabled: 0,
    };
    this.store.insertUser(user);
    this.store.linkUser(account.id, userId);
    // What an app's onUserCreation function does: one custom-user-data document per user.
    const config = this.settings.customUserData;
    if (config !== false) {
      const document = {
        _id: newObjectId(this.nowMs),
        [config.userIdField]: userId,
        email: account.email,
        name: account.email.split("@")[0] ?? account.email,
      };
      this.store.insertDocument(document._id, config.collection, userId, JSON.stringify(document));
    }
    return userId;
  }

  private removeUser(user: UserRow): void {
    // App Services leaves the custom user data document in place.
    this.store.transaction(() => {
      this.store.deleteUser(user.id);
      this.store.deleteAccount(user.account_id);
    });
  }

  private openSession(subject: string, scope: TokenScope, deviceId: string): LoginResult {
    const sessionId = newObjectId(this.nowMs);
    const iat = Math.floor(this.nowMs / 1000);
    const exp = iat + this.settings.refreshTokenTtlSeconds;
    this.store.insertSession({ id: sessionId, subject, scope, device_id: deviceId, expires_at: exp * 1000 });
    const refreshToken = signToken(
      { ...this.baseClaims(subject, scope, deviceId, iat, exp), typ: "refresh", baas_id: sessionId },
      this.secret,
    );
    return {
      access_token: this.accessToken(subject, scope, deviceId),
      refresh_token: refreshToken,
      user_id: subject,
      device_id: deviceId,
    };
  }

  private accessToken(subject: string, scope: TokenScope, deviceId: string): string {
    const iat = Math.floor(this.nowMs / 1000);
    const exp = iat + this.settings.accessTokenTtlSeconds;
    const userData = scope === "client" ? this.customDataOf(subject) : undefined;
    const claims: TokenClaims = {
      ...this.baseClaims(subject, scope, deviceId, iat, exp),
      typ: "access",
      ...(userData ? { user_data: userData } : {}),
    };
    return signToken(claims, this.secret);
  }

  private baseClaims(subject: string, scope: TokenScope, deviceId: string, iat: number, exp: number) {
    return {
      baas_device_id: deviceId,
      baas_domain_id: this.settings.domainId,
      baas_scope: scope,
      exp,
      iat,
      iss: this.settings.appObjectId,
      stitch_devId: deviceId,
      stitch_domainId: this.settings.domainId,
      sub: subject,
    };
  }

  private verify(
    token: string | undefined,
    type: "access" | "refresh",
    scope: TokenScope,
    options: { allowExpired?: boolean } = {},
  ): TokenClaims {
    if (token === undefined) throw refusals.missingAuth();
    const claims = readToken(token, this.secret);
    if (claims === undefined || claims.baas_scope !== scope) throw refusals.invalidSession();
    if (claims.typ !== type) {
      throw type === "refresh" ? refusals.wrongTokenType() : refusals.invalidSession();
    }
    if (!options.allowExpired && claims.exp * 1000 <= this.nowMs) {
      throw refusals.invalidSession(`${type} token expired`);
    }
    return claims;
  }

  private liveSession(claims: TokenClaims) {
    const session = claims.baas_id === undefined ? undefined : this.store.sessionById(claims.baas_id);
    if (session === undefined || session.expires_at <= this.nowMs) {
      throw refusals.invalidSession("failed to find refresh token");
    }
    return session;
  }

  /**
   * The user behind a client token. A deleted or disabled user's tokens stop working at once (the docs'
   * account of disabling); a plain logout only kills the refresh token, as the real server does.
   */
  private clientUser(claims: TokenClaims): UserRow {
    const user = this.store.userById(claims.sub);
    if (user === undefined || user.disabled) throw refusals.invalidSession();
    return user;
  }

  private identityOf(user: UserRow): Record<string, unknown> {
    return {
      id: user.account_id,
      provider_type: "local-userpass",
      provider_id: this.settings.providerId,
      provider_data: { email: user.email },
    };
  }

  private userJson(user: UserRow): Record<string, unknown> {
    return {
      _id: user.id,
      domain_id: this.settings.domainId,
      identities: [this.identityOf(user)],
      data: { email: user.email },
      creation_date: user.creation_date,
      ...(user.last_authentication_date === null
        ? {}
        : { last_authentication_date: user.last_authentication_date }),
      disabled: user.disabled === 1,
      type: "normal",
    };
  }

  private userOrRefuse(userId: string): UserRow {
    const user = this.store.userById(userId);
    if (user === undefined) throw refusals.userNotFound();
    return user;
  }

  private accountOrRefuse(email: string): AccountRow {
    const account = this.store.accountByEmail(email);
    if (account === undefined) throw refusals.userNotFound();
    return account;
  }

  private unconfirmedAccount(email: string): AccountRow {
    const account = this.accountOrRefuse(email);
    if (account.confirmed) throw refusals.alreadyConfirmed();
    return account;
  }

  private issueToken(account: AccountRow, kind: "confirm" | "reset"): { token: string; tokenId: string } {
    const token = newUserpassToken();
    const tokenId = newObjectId(this.nowMs);
    this.store.insertToken({
      token_id: tokenId,
      token,
      kind,
      account_id: account.id,
      expires_at: this.nowMs + this.settings.userpassTokenTtlMs,
    });
    return { token, tokenId };
  }

  private mailToken(account: AccountRow, kind: "confirm" | "reset"): { token: string; tokenId: string } {
    const issued = this.issueToken(account, kind);
    const page = kind === "confirm" ? this.settings.emailConfirmationUrl : this.settings.resetPasswordUrl;
    const url = new URL(page);
    url.searchParams.set("token", issued.token);
    url.searchParams.set("tokenId", issued.tokenId);
    this.store.recordMail({
      recipient: account.email,
      kind,
      token: issued.token,
      token_id: issued.tokenId,
      url: url.toString(),
      at: this.nowMs,
    });
    return issued;
  }

  private validToken(token: string, tokenId: string, kind: "confirm" | "reset") {
    const row = isObjectId(tokenId) ? this.store.tokenById(tokenId) : undefined;
    if (row === undefined || row.kind !== kind || row.token !== token) throw refusals.invalidTokenData();
    if (row.expires_at <= this.nowMs) throw refusals.tokenExpired();
    return row;
  }

  private async runConfirmation(account: AccountRow): Promise<FunctionStatus> {
    const confirmationFunction = this.settings.confirmationFunction;
    if (confirmationFunction === undefined) return "pending";
    const { token, tokenId } = this.issueToken(account, "confirm");
    const status = await callUserFunction(() =>
      confirmationFunction({ username: account.email, token, tokenId }),
    );
    if (status !== "pending") this.store.deleteToken(tokenId);
    if (status === "success") this.store.confirmAccount(account.id);
    return status;
  }
}

function checkPasswordLength(password: string): void {
  const length = [...password].length;
  if (length < 6 || length > 128) throw refusals.passwordLength();
}

/** Runs an app function; a throw or a malformed answer is Realm's FunctionExecutionError, never a 500. */
async function callUserFunction(
  run: () => { status: FunctionStatus } | Promise<{ status: FunctionStatus }>,
): Promise<FunctionStatus> {
  let answer: unknown;
  try {
    answer = await run();
  } catch (error) {
    throw refusals.functionFailed(error instanceof Error ? error.message : String(error));
  }
  const parsed = functionAnswer.safeParse(answer);
  if (!parsed.success) throw refusals.functionFailed("function must return {status: success|pending|fail}");
  return parsed.data.status;
}
