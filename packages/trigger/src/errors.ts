import { MigrationError } from "@realm-to-cognito/core";

/** A setting in the environment is missing or malformed; the message names the variable. */
export class TriggerConfigError extends MigrationError<"INVALID_CONFIG"> {
  // Spelled out, as in each class below: the bundles are minified and logs name errors by class.
  override readonly name = "TriggerConfigError";
  readonly variable: string;

  constructor(variable: string, message: string) {
    super("INVALID_CONFIG", `${variable}: ${message}`);
    this.variable = variable;
  }
}

/** Why a migration was refused; logged, never shown to the user (they all look alike from outside). */
export type RefusalReason =
  | "wrong-credentials"
  | "user-disabled"
  | "realm-unavailable"
  | "realm-timeout"
  | "realm-throttled"
  | "realm-protocol"
  | "not-in-directory"
  | "not-eligible"
  | "no-directory"
  | "directory-unavailable"
  | "mode"
  | "rate-limited"
  | "reset-pending";

/** The trigger will not migrate this user. Cognito must refuse the sign-in and create nothing. */
export class MigrationRefusedError extends MigrationError<"MIGRATION_REFUSED"> {
  override readonly name = "MigrationRefusedError";
  readonly reason: RefusalReason;

  constructor(reason: RefusalReason, message: string, options?: { cause?: unknown }) {
    super("MIGRATION_REFUSED", message, options);
    this.reason = reason;
  }
}

/**
 * Why a handler refused, for its log line: the refusal's reason, or "unexpected" for any other error.
 * Realm or the user directory being down or slow and unexpected errors are logged as errors; the rest
 * are routine refusals.
 */
export function refusalOf(error: unknown): {
  reason: RefusalReason | "unexpected";
  level: "error" | "info";
} {
  const reason = error instanceof MigrationRefusedError ? error.reason : "unexpected";
  // A directory that cannot be read (Admin API down, key secret unreadable) refuses every lapsed user's
  // reset until someone acts: the operator's alarm, like Realm being down.
  const alarming =
    reason === "unexpected" ||
    reason === "realm-unavailable" ||
    reason === "realm-timeout" ||
    reason === "realm-throttled" ||
    reason === "directory-unavailable";
  return { reason, level: alarming ? "error" : "info" };
}

/** A Lambda event that is neither shape the handler knows (real Cognito, cognito-local, API Gateway v2). */
export class InvalidEventError extends MigrationError<"INVALID_EVENT"> {
  override readonly name = "InvalidEventError";

  constructor(message: string) {
    super("INVALID_EVENT", message);
  }
}

/** An HTTP body the endpoints cannot use; its message is safe to return to the caller. */
export class BadRequestError extends MigrationError<"BAD_REQUEST"> {
  override readonly name = "BadRequestError";

  constructor(message: string) {
    super("BAD_REQUEST", message);
  }
}

/** The one message Cognito shows for every refused migration: a wrong password and an unknown user alike. */
export const SIGN_IN_REFUSED_MESSAGE = "Incorrect username or password.";

/**
 * What the trigger throws at its edge. Every failure becomes this same error, so nothing distinguishes a
 * wrong password from an unknown, disabled or unconfirmed user, or from Realm being down.
 */
export class SignInRefused extends Error {
  constructor() {
    super(SIGN_IN_REFUSED_MESSAGE);
    this.name = "SignInRefused";
  }
}
