export type {
  CodeDelivery,
  CognitoAuthApi,
  CognitoConfig,
  CognitoSignInAnswer,
  CognitoTokens,
} from "./cognito-api.js";
export { createFetchCognitoApi } from "./cognito-fetch.js";
export {
  CognitoRefusedError,
  CognitoUnavailableError,
  MigrationApiError,
  type WebErrorCode,
} from "./errors.js";
export { readRealmLink } from "./links.js";
export {
  type ConfirmPasswordResetInput,
  type ConfirmSignUpInput,
  createMigratingAuth,
  type MigratingAuth,
  type MigratingAuthConfig,
  type MigratingAuthParts,
} from "./migrating-auth.js";
export { createMigrationApi, type MigrationApi, type ResyncStatus } from "./migration-api.js";
export {
  type AuthSession,
  type ConfirmSignUpResult,
  type Failure,
  type FailureReason,
  MESSAGES,
  type MigratingAuthEvent,
  type PasswordResetRequestResult,
  type PasswordResetResult,
  type RealmLinkTokens,
  resetSuggestedMessage,
  type SignInResult,
  type SignOutResult,
  type SignUpResult,
} from "./results.js";
