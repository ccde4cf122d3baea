import { isMigrationMode, type MigrationMode, routeFor } from "@realm-to-cognito/core";
import { AuthClient, isRealmError, RealmRejectedError } from "@realm-to-cognito/realm";
import type { CognitoAuthApi, CognitoConfig, CognitoTokens } from "./cognito-api.js";
import { createFetchCognitoApi } from "./cognito-fetch.js";
import { CognitoUnavailableError, cognitoException } from "./errors.js";
import { createMigrationApi, type MigrationApi } from "./migration-api.js";
import {
  type AuthSession,
  CONFIRMATION_REQUIRED_MESSAGE,
  type ConfirmSignUpResult,
  type Failure,
  failure,
  type MigratingAuthEvent,
  type PasswordResetRequestResult,
  type PasswordResetResult,
  RESET_REQUIRED_MESSAGE,
  type RealmLinkTokens,
  resetSuggestedMessage,
  type SignInResult,
  type SignOutResult,
  type SignUpResult,
} from "./results.js";

export interface MigratingAuthConfig {
  readonly mode: MigrationMode;
  /** The Realm app; required in `realm-primary`. */
  readonly realm?: { readonly appId: string; readonly baseUrl?: string; readonly timeoutMs?: number };
  readonly cognito: CognitoConfig;
  /** The migration backend (trigger package's endpoints); required in `realm-primary`. */
  readonly migrationApi?: { readonly baseUrl: string; readonly timeoutMs?: number };
  /**
   * In `cognito-primary`, whether a user Cognito refused is known to need a reset (imported without a
   * password while the pool hides user-existence errors). Default: nobody is.
   */
  readonly needsPasswordReset?: (email: string) => boolean | Promise<boolean>;
  /**
   * In `cognito-primary`, when phase 2 started, for the message of a refused sign-in ("if you have not
   * signed in since <switchDate>, reset your password"); a string is shown as is. Default: "we moved to
   * our new sign-in system".
   */
  readonly switchDate?: string | Date;
  /** Telemetry hook; an exception thrown here never reaches the caller. */
  readonly onEvent?: (event: MigratingAuthEvent) => void;
}

/** Replacements for the parts the library builds itself (tests, or the SDK-based Cognito adapter). */
export interface MigratingAuthParts {
  readonly cognito?: CognitoAuthApi;
  readonly realm?: AuthClient;
  readonly migrationApi?: MigrationApi;
}

export type ConfirmSignUpInput = RealmLinkTokens | { readonly email: string; readonly code: string };
export type ConfirmPasswordResetInput =
  | (RealmLinkTokens & { readonly newPassword: string })
  | { readonly email: string; readonly code: string; readonly newPassword: string };

/** One auth facade whose behaviour follows the migration mode (DESIGN.md §1). */
export interface MigratingAuth {
  readonly mode: MigrationMode;
  signUp(email: string, password: string): Promise<SignUpResult>;
  /** Realm: the `token`/`tokenId` of the emailed link; Cognito: the email and the code. */
  confirmSignUp(input: ConfirmSignUpInput): Promise<ConfirmSignUpResult>;
  signIn(email: string, password: string): Promise<SignInResult>;
  requestPasswordReset(email: string): Promise<PasswordResetRequestResult>;
  /** Realm: the link's `token`/`tokenId`; Cognito: the email and the code. */
  confirmPasswordReset(input: ConfirmPasswordResetInput): Promise<PasswordResetResult>;
  signOut(): Promise<SignOutResult>;
  /** The signed-in user's session, with expired tokens refreshed; undefined when signed out. */
  currentSession(): Promise<AuthSession | undefined>;
}

// Cognito's ways of saying "not this password" (cognito-local says InvalidPasswordException).
const REFUSALS = new Set(["NotAuthorizedException", "InvalidPasswordException", "UserNotFoundException"]);
const DRIFT = new Set([...REFUSALS, "PasswordResetRequiredException"]);
const REFRESH_MARGIN_MS = 60_000;

/**
 * Builds the auth facade for `config.mode`.
 * @example
 * const auth = createMigratingAuth({
 *   mode: "realm-primary",
 *   realm: { appId: "myapp-abcde" },
 *   cognito: { region: "eu-west-1", clientId: "1example23456789" },
 *   migrationApi: { baseUrl: "https://migrate.example.com" },
 * });
 * const result = await auth.signIn(email, password);
 * if (result.status === "resetRequired") showResetForm(result.message);
 */
export function createMigratingAuth(
  config: MigratingAuthConfig,
  parts: MigratingAuthParts = {},
): MigratingAuth {
  checkConfig(config);
  const { mode } = config;
  const cognito = parts.cognito ?? createFetchCognitoApi(config.cognito);
  const realm = parts.realm ?? (config.realm ? new AuthClient(config.realm) : undefined);
  const migrationApi =
    parts.migrationApi ?? (config.migrationApi ? createMigrationApi(config.migrationApi) : undefined);
  let session: AuthSession | undefined;

  function emit(event: MigratingAuthEvent): void {
    try {
      config.onEvent?.(event);
    } catch {
      // telemetry must never break authentication
    }
  }

  function needRealm(): AuthClient {
    if (!realm) throw new TypeError(`mode ${mode} needs config.realm`);
    return realm;
  }

  function needMigrationApi(): MigrationApi {
    if (!migrationApi) throw new TypeError(`mode ${mode} needs config.migrationApi`);
    return migrationApi;
  }

  const decidedByRealm = (action: Parameters<typeof routeFor>[1]) =>
    routeFor(mode, action).decides === "realm";

  /** Cognito sign-in after Realm said yes; its failure is reported, never returned. */
  async function shadowSignIn(email: string, password: string): Promise<CognitoTokens | undefined> {
    const first = await attemptCognito(email, password);
    if (first.tokens || !DRIFT.has(first.reason)) return report(first);
    let resync: string;
    try {
      resync = await needMigrationApi().resyncPassword(email, password);
    } catch (error) {
      emit({ type: "migrationApiFailed", route: "/resync-password", reason: errorCode(error) });
      return report(first);
    }
    if (resync !== "resynced") return report({ reason: `${first.reason} (resync: ${resync})` });
    emit({ type: "resynced" });
    return report(await attemptCognito(email, password));
  }

  function report(attempt: { tokens?: CognitoTokens; reason: string }): CognitoTokens | undefined {
    if (attempt.tokens) emit({ type: "migrated" });
    else emit({ type: "cognitoShadowFailed", reason: attempt.reason });
    return attempt.tokens;
  }

  async function attemptCognito(
    email: string,
    password: string,
  ): Promise<{ tokens?: CognitoTokens; reason: string }> {
    try {
      const answer = await cognito.signInWithPassword(email, password);
      if (answer.kind === "tokens") return { tokens: answer.tokens, reason: "" };
      return { reason: `challenge ${answer.challenge}` };
    } catch (error) {
      return { reason: cognitoException(error) || errorCode(error) };
    }
  }

  async function signInWithRealm(email: string, password: string): Promise<SignInResult> {
    let realmSession: Awaited<ReturnType<AuthClient["login"]>>;
    try {
      realmSession = await needRealm().login(email, password);
    } catch (error) {
      return realmFailure(error);
    }
    const cognitoTokens = await shadowSignIn(email, password);
    session = {
      email,
      mode,
      realm: {
        userId: realmSession.userId,
        accessToken: realmSession.accessToken,
        refreshToken: realmSession.refreshToken,
      },
      ...(cognitoTokens ? { cognito: cognitoTokens } : {}),
    };
    emit({ type: "signedIn", via: "realm" });
    return { status: "signedIn", session };
  }

  async function signInWithCognito(email: string, password: string): Promise<SignInResult> {
    let answer: Awaited<ReturnType<CognitoAuthApi["signInWithPassword"]>>;
    try {
      answer = await cognito.signInWithPassword(email, password);
    } catch (error) {
      const exception = cognitoException(error);
      if (exception === "UserNotConfirmedException") {
        return { status: "confirmationRequired", message: CONFIRMATION_REQUIRED_MESSAGE };
      }
      if (
        exception === "PasswordResetRequiredException" ||
        (REFUSALS.has(exception) && (await knownToNeedReset(email)))
      ) {
        emit({ type: "resetRequired" });
        return { status: "resetRequired", message: RESET_REQUIRED_MESSAGE };
      }
      const refused = cognitoFailure(error, "signIn");
      if (refused.reason !== "wrongCredentials") return refused;
      // A pool that hides user existence answers an imported user as it answers a typo or a stranger:
      // every one of them is offered the reset, with one message that tells none of them apart.
      emit({ type: "resetSuggested" });
      return { ...refused, message: resetSuggestedMessage(config.switchDate), resetSuggested: true };
    }
    if (answer.kind === "challenge") return failure("unsupportedChallenge");
    session = { email, mode, cognito: answer.tokens };
    emit({ type: "signedIn", via: "cognito" });
    return { status: "signedIn", session };
  }

  async function knownToNeedReset(email: string): Promise<boolean> {
    try {
      return (await config.needsPasswordReset?.(email)) === true;
    } catch {
      return false;
    }
  }

  return {
    mode,

    async signUp(rawEmail, password) {
      const email = rawEmail.trim();
      if (email === "" || password === "") return failure("invalidInput");
      if (decidedByRealm("signUp")) {
        // Realm only: an unverified email never reaches Cognito.
        try {
          await needRealm().register(email, password);
          return { status: "confirmationSent", via: "link" };
        } catch (error) {
          return realmFailure(error);
        }
      }
      try {
        const answer = await cognito.signUp(email, password, { email });
        if (answer.confirmed) return { status: "signedUp" };
        return { status: "confirmationSent", via: "code", ...answer.delivery };
      } catch (error) {
        return cognitoFailure(error, "signUp");
      }
    },

    async confirmSignUp(input) {
      if (decidedByRealm("confirmSignUp")) {
        if (!("token" in input)) return failure("invalidLink");
        try {
          await needRealm().confirm(input.token, input.tokenId);
          return { status: "confirmed" };
        } catch (error) {
          if (error instanceof RealmRejectedError && error.errorCode === "UserAlreadyConfirmed") {
            return { status: "confirmed" };
          }
          return realmFailure(error, "invalidLink");
        }
      }
      if (!("code" in input)) return failure("invalidInput");
      try {
        await cognito.confirmSignUp(input.email.trim(), input.code.trim());
        return { status: "confirmed" };
      } catch (error) {
        return cognitoFailure(error, "confirm");
      }
    },

    async signIn(rawEmail, password) {
      const email = rawEmail.trim();
      if (email === "" || password === "") return failure("invalidInput");
      return decidedByRealm("signIn") ? signInWithRealm(email, password) : signInWithCognito(email, password);
    },

    async requestPasswordReset(rawEmail) {
      const email = rawEmail.trim();
      if (email === "") return failure("invalidInput");
      if (decidedByRealm("requestPasswordReset")) {
        // The backend makes Realm's reset request itself (and makes the Cognito password unusable);
        // only when it cannot be reached does the client ask Realm directly, so the user gets a mail.
        let backendNotified = true;
        try {
          await needMigrationApi().passwordResetRequested(email);
        } catch (error) {
          backendNotified = false;
          emit({ type: "migrationApiFailed", route: "/password-reset-requested", reason: errorCode(error) });
          try {
            await needRealm().sendResetPasswordEmail(email);
          } catch (realmError) {
            // An unknown email gets the same answer as a known one.
            if (!(realmError instanceof RealmRejectedError && isUnknownUser(realmError)))
              return realmFailure(realmError);
          }
        }
        emit({ type: "resetRequested", via: "realm", backendNotified });
        return { status: "resetSent", via: "link" };
      }
      try {
        const delivery = await cognito.forgotPassword(email);
        emit({ type: "resetRequested", via: "cognito", backendNotified: false });
        return { status: "resetSent", via: "code", ...delivery };
      } catch (error) {
        // Same answer for an unknown user, as Cognito gives when user-existence errors are hidden.
        if (cognitoException(error) === "UserNotFoundException") return { status: "resetSent", via: "code" };
        return cognitoFailure(error, "forgotPassword");
      }
    },

    async confirmPasswordReset(input) {
      if (input.newPassword === "") return failure("weakPassword");
      if (decidedByRealm("confirmPasswordReset")) {
        // Realm only: the link cannot identify the user; the next sign-in heals Cognito.
        if (!("token" in input)) return failure("invalidLink");
        try {
          await needRealm().resetPassword(input.token, input.tokenId, input.newPassword);
          return { status: "passwordChanged" };
        } catch (error) {
          return realmFailure(error, "invalidLink");
        }
      }
      if (!("code" in input)) return failure("invalidInput");
      try {
        await cognito.confirmForgotPassword(input.email.trim(), input.code.trim(), input.newPassword);
        return { status: "passwordChanged" };
      } catch (error) {
        return cognitoFailure(error, "confirm");
      }
    },

    async signOut() {
      const ending = session;
      session = undefined;
      const refreshTokens: Promise<void>[] = [];
      if (ending?.realm) refreshTokens.push(needRealm().logout(ending.realm.refreshToken));
      if (ending?.cognito?.refreshToken) refreshTokens.push(cognito.revokeToken(ending.cognito.refreshToken));
      // Signing out locally always succeeds; a token the server could not revoke expires on its own.
      await Promise.allSettled(refreshTokens);
      emit({ type: "signedOut" });
      return { status: "signedOut" };
    },

    async currentSession() {
      const current = session;
      if (!current) return undefined;
      let next: AuthSession | undefined = current;
      if (current.cognito && current.cognito.expiresAt - REFRESH_MARGIN_MS < Date.now()) {
        next = await refreshCognito(current);
      }
      if (next?.realm && realmTokenExpired(next.realm.accessToken)) next = await refreshRealm(next);
      if (session === current) session = next;
      return session;
    },
  };

  async function refreshCognito(current: AuthSession): Promise<AuthSession | undefined> {
    const { cognito: tokens, ...rest } = current;
    try {
      if (!tokens?.refreshToken) throw new CognitoUnavailableError("refresh", "no refresh token");
      const fresh = await cognito.refresh(tokens.refreshToken);
      return { ...rest, cognito: { ...fresh, refreshToken: tokens.refreshToken } };
    } catch {
      // In realm-primary the Cognito half is a bonus: drop it and keep the Realm session.
      return rest.realm ? rest : undefined;
    }
  }

  async function refreshRealm(current: AuthSession): Promise<AuthSession | undefined> {
    if (!current.realm) return current;
    try {
      const accessToken = await needRealm().refreshAccessToken(current.realm.refreshToken);
      return { ...current, realm: { ...current.realm, accessToken } };
    } catch {
      return undefined;
    }
  }

  function realmTokenExpired(accessToken: string): boolean {
    try {
      return needRealm().decodeAccessToken(accessToken).exp * 1000 - REFRESH_MARGIN_MS < Date.now();
    } catch {
      return true;
    }
  }
}

function checkConfig(config: MigratingAuthConfig): void {
  if (!isMigrationMode(config.mode)) throw new TypeError(`unknown migration mode "${String(config.mode)}"`);
  if (!config.cognito?.clientId || !config.cognito.region) {
    throw new TypeError("config.cognito needs region and clientId");
  }
  if (config.mode === "realm-primary") {
    if (!config.realm?.appId) throw new TypeError("realm-primary needs config.realm.appId");
    if (!config.migrationApi?.baseUrl) throw new TypeError("realm-primary needs config.migrationApi.baseUrl");
  }
}

function isUnknownUser(error: RealmRejectedError): boolean {
  return error.errorCode === "UserNotFound" || error.status === 404;
}

function errorCode(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return "UNKNOWN";
}

/** Realm's refusal in the user's terms; `badRequest` is what a 400 means for this action. */
function realmFailure(error: unknown, badRequest: Failure["reason"] = "invalidInput"): Failure {
  if (!isRealmError(error)) return failure("unknown");
  if (!(error instanceof RealmRejectedError)) return failure("unavailable");
  switch (error.errorCode) {
    case "InvalidPassword":
      return failure("wrongCredentials");
    case "UserDisabled":
      return failure("accountDisabled");
    case "AccountNameInUse":
      return failure("emailInUse");
    case "UserpassTokenInvalid":
      return failure("invalidLink");
  }
  if (/password must be/i.test(error.serverMessage)) return failure("weakPassword");
  if (error.status === 401) return failure("wrongCredentials");
  if (error.status === 429) return failure("tooManyAttempts");
  return failure(error.status === 400 || error.status === 404 ? badRequest : "unknown");
}

type CognitoAction = "signIn" | "signUp" | "confirm" | "forgotPassword";

function cognitoFailure(error: unknown, action: CognitoAction): Failure {
  const exception = cognitoException(error);
  if (exception === "") return failure(error instanceof CognitoUnavailableError ? "unavailable" : "unknown");
  switch (exception) {
    case "NotAuthorizedException":
    case "UserNotFoundException":
      return failure(action === "forgotPassword" ? "cannotReset" : "wrongCredentials");
    case "InvalidPasswordException":
      // At sign-in, cognito-local's word for a wrong password; elsewhere, the pool's policy said no.
      return failure(action === "signIn" ? "wrongCredentials" : "weakPassword");
    case "UsernameExistsException":
    case "AliasExistsException":
      return failure("emailInUse");
    case "CodeMismatchException":
      return failure("wrongCode");
    case "ExpiredCodeException":
      return failure("codeExpired");
    case "TooManyRequestsException":
    case "TooManyFailedAttemptsException":
    case "LimitExceededException":
      return failure("tooManyAttempts");
    case "InvalidParameterException":
      return failure(action === "forgotPassword" ? "cannotReset" : "invalidInput");
    case "UserLambdaValidationException":
    case "UnexpectedLambdaException":
    case "InvalidLambdaResponseException":
      return failure(action === "signIn" ? "wrongCredentials" : "unavailable");
    default:
      return failure("unknown");
  }
}
