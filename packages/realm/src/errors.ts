import { MigrationError } from "@realm-to-cognito/core";

export type RealmErrorCode = "REALM_REJECTED" | "REALM_UNAVAILABLE" | "REALM_TIMEOUT" | "REALM_PROTOCOL";

/** App Services answered with an error body: `errorCode` is Realm's own (`InvalidPassword`, ...). */
export class RealmRejectedError extends MigrationError<"REALM_REJECTED"> {
  readonly status: number;
  /** Realm's `error_code`, e.g. `InvalidPassword`, `AccountNameInUse`, `UserDisabled`; "" when absent. */
  readonly errorCode: string;
  /** Realm's `error` text, e.g. `unauthorized`, `name already in use`. */
  readonly serverMessage: string;

  constructor(request: string, status: number, errorCode: string, serverMessage: string) {
    super(
      "REALM_REJECTED",
      `App Services refused ${request}: ${serverMessage || "no message"} (${errorCode || "no error_code"}, HTTP ${status})`,
    );
    this.status = status;
    this.errorCode = errorCode;
    this.serverMessage = serverMessage;
  }
}

/** App Services could not be reached, or answered 5xx: try again later or check the base URL. */
export class RealmUnavailableError extends MigrationError<"REALM_UNAVAILABLE"> {
  readonly status: number | undefined;

  constructor(request: string, detail: string, options?: { status?: number; cause?: unknown }) {
    super("REALM_UNAVAILABLE", `App Services is unavailable for ${request}: ${detail}`, options);
    this.status = options?.status;
  }
}

/** App Services did not answer within the deadline. */
export class RealmTimeoutError extends MigrationError<"REALM_TIMEOUT"> {
  readonly timeoutMs: number;

  constructor(request: string, timeoutMs: number) {
    super("REALM_TIMEOUT", `App Services did not answer ${request} within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** App Services answered with a body this client does not understand (wrong URL, or an API change). */
export class RealmProtocolError extends MigrationError<"REALM_PROTOCOL"> {
  constructor(request: string, detail: string) {
    super("REALM_PROTOCOL", `unexpected answer from App Services to ${request}: ${detail}`);
  }
}

export type RealmError = RealmRejectedError | RealmUnavailableError | RealmTimeoutError | RealmProtocolError;

export function isRealmError(error: unknown): error is RealmError {
  return (
    error instanceof RealmRejectedError ||
    error instanceof RealmUnavailableError ||
    error instanceof RealmTimeoutError ||
    error instanceof RealmProtocolError
  );
}
