import { MigrationError } from "@realm-to-cognito/core";

export type WebErrorCode = "COGNITO_REFUSED" | "COGNITO_UNAVAILABLE" | "MIGRATION_API_FAILED";

/**
 * Cognito answered with an exception. `exception` is Cognito's name for it (`NotAuthorizedException`,
 * `PasswordResetRequiredException`, ...), without any namespace prefix.
 */
export class CognitoRefusedError extends MigrationError<"COGNITO_REFUSED"> {
  readonly exception: string;
  readonly status: number;

  constructor(operation: string, exception: string, status: number, serverMessage: string) {
    super("COGNITO_REFUSED", `Cognito refused ${operation}: ${exception} (${serverMessage || "no message"})`);
    this.exception = exception;
    this.status = status;
  }
}

/** Cognito could not be reached, timed out, answered 5xx, or answered something that is not its protocol. */
export class CognitoUnavailableError extends MigrationError<"COGNITO_UNAVAILABLE"> {
  constructor(operation: string, detail: string, options?: { cause?: unknown }) {
    super("COGNITO_UNAVAILABLE", `Cognito is unavailable for ${operation}: ${detail}`, options);
  }
}

/** The migration backend (`/resync-password`, `/password-reset-requested`) failed or refused. */
export class MigrationApiError extends MigrationError<"MIGRATION_API_FAILED"> {
  readonly status: number | undefined;

  constructor(route: string, detail: string, options?: { status?: number; cause?: unknown }) {
    super("MIGRATION_API_FAILED", `the migration API failed on ${route}: ${detail}`, options);
    this.status = options?.status;
  }
}

/** Cognito's exception name from an error thrown by either Cognito adapter; "" when it is not a refusal. */
export function cognitoException(error: unknown): string {
  return error instanceof CognitoRefusedError ? error.exception : "";
}
