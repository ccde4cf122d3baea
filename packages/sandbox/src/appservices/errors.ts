import { MigrationError } from "@realm-to-cognito/core";

/**
 * An answer of the emulated App Services: HTTP status plus Realm's `error` text and `error_code`. Thrown
 * by route handlers and turned into the `{error, error_code, link}` body at the HTTP edge only.
 */
export class ServiceError extends MigrationError<"APP_SERVICES_REFUSED"> {
  readonly status: number;
  readonly errorCode: string;
  readonly serverMessage: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    serverMessage: string,
    errorCode: string,
    headers: Record<string, string> = {},
  ) {
    super("APP_SERVICES_REFUSED", `${status} ${errorCode}: ${serverMessage}`);
    this.status = status;
    this.errorCode = errorCode;
    this.serverMessage = serverMessage;
    this.headers = headers;
  }
}

/** The emulator was started with options it cannot honour (a caller's mistake). */
export class EmulatorConfigError extends MigrationError<"INVALID_CONFIG"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_CONFIG", message, options);
  }
}

// The verbatim answers of reference/realm-api.md §1.5; [INF] where the reference gives no status or text.
export const refusals = {
  invalidPassword: () => new ServiceError(401, "unauthorized", "InvalidPassword"),
  nameInUse: () => new ServiceError(409, "name already in use", "AccountNameInUse"),
  passwordLength: () => new ServiceError(400, "password must be between 6 and 128 characters", "BadRequest"),
  confirmFailed: (email: string) => new ServiceError(400, `failed to confirm user "${email}"`, "BadRequest"),
  resetFailed: (email: string) =>
    new ServiceError(400, `failed to reset password for user "${email}"`, "BadRequest"),
  invalidTokenData: () => new ServiceError(400, "invalid token data", "BadRequest"),
  tokenExpired: () => new ServiceError(400, "userpass token is expired or invalid", "UserpassTokenInvalid"),
  alreadyConfirmed: () => new ServiceError(400, "already confirmed", "UserAlreadyConfirmed"),
  userNotFound: () => new ServiceError(404, "user not found", "UserNotFound"),
  userDisabled: () => new ServiceError(401, "user disabled", "UserDisabled"),
  confirmationRequired: () => new ServiceError(401, "confirmation required", "AuthError"),
  invalidSession: (detail?: string) =>
    new ServiceError(401, detail ? `invalid session: ${detail}` : "invalid session", "InvalidSession"),
  wrongTokenType: () =>
    new ServiceError(401, "invalid refresh token: incorrect token type", "InvalidSession"),
  useConfirmFunction: () => new ServiceError(400, "please use confirm via function", "BadRequest"),
  useConfirmEmail: () => new ServiceError(400, "please use confirm via email", "BadRequest"),
  autoConfirmOn: (email: string) =>
    new ServiceError(
      400,
      `cannot run confirmation for ${email}: automatic confirmation is enabled`,
      "BadRequest",
    ),
  useResetFunction: () => new ServiceError(400, "please use reset password via function", "BadRequest"),
  useResetEmail: () => new ServiceError(400, "please use reset password via email", "BadRequest"),
  invalidJson: () => new ServiceError(400, "invalid json", "BadRequest"),
  invalidParameter: (message: string) => new ServiceError(400, message, "InvalidParameter"),
  missingAuth: () => new ServiceError(401, "must authenticate first", "MissingAuthReq"),
  appNotFound: (appId: string) =>
    new ServiceError(404, `cannot find app using Client App ID '${appId}'`, "AppNotFound"),
  adminAppNotFound: () => new ServiceError(404, "app not found", "AppNotFound"),
  groupNotFound: () => new ServiceError(404, "group not found", "GroupNotFound"),
  providerNotFound: (name: string) =>
    new ServiceError(404, `auth provider not found: ${name}`, "AuthProviderNotFound"),
  routeNotFound: () => new ServiceError(404, "route not found", "NotFound"),
  methodNotAllowed: (allow: string) =>
    new ServiceError(405, "method not allowed", "BadRequest", { Allow: allow }),
  bodyTooLarge: () => new ServiceError(413, "request body too large", "ReadSizeLimitExceeded"),
  unsupportedContentType: () =>
    new ServiceError(415, "unsupported content type: send application/json", "BadRequest"),
  functionFailed: (message: string) => new ServiceError(400, message, "FunctionExecutionError"),
} as const;
