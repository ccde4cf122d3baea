import type { MigrationMode } from "@realm-to-cognito/core";
import type { CognitoTokens } from "./cognito-api.js";

/** Why an action failed, in the user's terms. Each comes with a message safe to show as is. */
export type FailureReason =
  | "wrongCredentials"
  | "accountDisabled"
  | "emailInUse"
  | "weakPassword"
  | "invalidInput"
  | "invalidLink"
  | "wrongCode"
  | "codeExpired"
  | "cannotReset"
  | "unsupportedChallenge"
  | "tooManyAttempts"
  | "unavailable"
  | "unknown";

export interface Failure {
  readonly status: "failed";
  readonly reason: FailureReason;
  /** Safe to show to the user: never a server's raw text. */
  readonly message: string;
  /**
   * `cognito-primary` sign-in only, on every `wrongCredentials`: offer the reset flow
   * (`requestPasswordReset`). Set alike for unknown users, typos and users imported without a password,
   * so it says nothing about whether the account exists.
   */
  readonly resetSuggested?: true;
}

/** The signed-in user's tokens. Realm's in `realm-primary`; Cognito's whenever the shadow sign-in worked. */
export interface AuthSession {
  readonly email: string;
  readonly mode: MigrationMode;
  readonly realm?: { readonly userId: string; readonly accessToken: string; readonly refreshToken: string };
  readonly cognito?: CognitoTokens;
}

export type SignInResult =
  | { readonly status: "signedIn"; readonly session: AuthSession }
  /** An imported user without a usable password: start the reset flow (`requestPasswordReset`). */
  | { readonly status: "resetRequired"; readonly message: string }
  /** A Cognito user who signed up and never confirmed: ask for the code (`confirmSignUp`). */
  | { readonly status: "confirmationRequired"; readonly message: string }
  | Failure;

export type SignUpResult =
  | {
      readonly status: "confirmationSent";
      /** `link`: Realm mailed a link (token and tokenId); `code`: Cognito sent a code. */
      readonly via: "link" | "code";
      readonly destination?: string;
    }
  | { readonly status: "signedUp" }
  | Failure;

export type ConfirmSignUpResult = { readonly status: "confirmed" } | Failure;

export type PasswordResetRequestResult =
  | { readonly status: "resetSent"; readonly via: "link" | "code"; readonly destination?: string }
  | Failure;

export type PasswordResetResult = { readonly status: "passwordChanged" } | Failure;

export type SignOutResult = { readonly status: "signedOut" };

/** Realm's confirmation and reset links carry `token` and `tokenId`, nothing about the user. */
export interface RealmLinkTokens {
  readonly token: string;
  readonly tokenId: string;
}

/** Telemetry. Never carries a password or a token. */
export type MigratingAuthEvent =
  | { readonly type: "signedIn"; readonly via: "realm" | "cognito" }
  /** The shadow sign-in worked: the user is in Cognito with this password (created by the trigger the first time). */
  | { readonly type: "migrated" }
  /** Cognito refused or failed the shadow sign-in; the user is signed in with Realm all the same. */
  | { readonly type: "cognitoShadowFailed"; readonly reason: string }
  /** Cognito held a stale password; the backend set the one Realm accepted. */
  | { readonly type: "resynced" }
  | { readonly type: "resetRequired" }
  /** cognito-primary: Cognito refused the sign-in; the result offers the reset flow. */
  | { readonly type: "resetSuggested" }
  /** `backendNotified`: realm-primary's `/password-reset-requested` accepted the request (it deletes the migrated user). */
  | { readonly type: "resetRequested"; readonly via: "realm" | "cognito"; readonly backendNotified: boolean }
  | { readonly type: "migrationApiFailed"; readonly route: string; readonly reason: string }
  | { readonly type: "signedOut" };

export const MESSAGES: Record<FailureReason, string> = {
  wrongCredentials: "Wrong email or password.",
  accountDisabled: "This account is disabled. Please contact support.",
  emailInUse: "An account with this email already exists. Sign in or reset your password.",
  weakPassword:
    "This password is too weak. Use at least 8 characters with upper and lower case letters and a digit.",
  invalidInput: "Please check the email and password you entered.",
  invalidLink: "This link is invalid or has expired. Please ask for a new one.",
  wrongCode: "This code is not right. Please check it and try again.",
  codeExpired: "This code has expired. Please ask for a new one.",
  cannotReset: "This account cannot reset its password by email. Please contact support.",
  unsupportedChallenge: "This account needs a sign-in step this app does not offer. Please contact support.",
  tooManyAttempts: "Too many attempts. Please wait a little and try again.",
  unavailable: "The sign-in service is not reachable right now. Please try again in a moment.",
  unknown: "Something went wrong. Please try again.",
};

export const RESET_REQUIRED_MESSAGE =
  "We have moved to a new sign-in system: please reset your password to continue.";
export const CONFIRMATION_REQUIRED_MESSAGE = "Please confirm your email first: enter the code we sent you.";

/**
 * The `wrongCredentials` message of a cognito-primary sign-in: a user imported without a password cannot
 * be told from a typo (nor from an unknown email) when the pool hides user existence, so it names the
 * way out for both. `switchDate` is shown as given (a string) or as a long date (a Date, in UTC).
 */
export function resetSuggestedMessage(switchDate?: string | Date): string {
  const since =
    switchDate === undefined
      ? "we moved to our new sign-in system"
      : typeof switchDate === "string"
        ? switchDate
        : new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(switchDate);
  return `Wrong email or password — if you have not signed in since ${since}, reset your password.`;
}

export function failure(reason: FailureReason): Failure {
  return { status: "failed", reason, message: MESSAGES[reason] };
}
