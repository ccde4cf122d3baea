export { CognitoApi, type CognitoApiOptions, CognitoCallError } from "./cognito-api.js";
export { CognitoPoolUsers, type PoolUser, type PoolUsers } from "./cognito-users.js";
export {
  type CognitoConfig,
  DEFAULT_COGNITO_TIMEOUT_MS,
  DEFAULT_ENDPOINT_RESPONSE_MS,
  DEFAULT_REALM_TIMEOUT_MS,
  DEFAULT_RESET_TOKEN_LIFETIME_MS,
  type DirectoryConfig,
  ENVIRONMENT_VARIABLES,
  type EndpointConfig,
  loadTriggerConfig,
  RESET_ACTIONS,
  type ResetAction,
  requireCognitoPool,
  type TriggerConfig,
} from "./config.js";
export {
  AdminApiDirectory,
  parseSnapshot,
  SnapshotDirectory,
  type UserDirectory,
} from "./directory.js";
export { isDirectoryFile, SortedDirectoryFile } from "./directory-file.js";
export {
  BadRequestError,
  InvalidEventError,
  MigrationRefusedError,
  type RefusalReason,
  SIGN_IN_REFUSED_MESSAGE,
  SignInRefused,
  TriggerConfigError,
} from "./errors.js";
export {
  type HttpEvent,
  type HttpResult,
  MAX_BODY_BYTES,
  parseUserMigrationEvent,
  type UserMigrationEvent,
  type UserMigrationResponse,
} from "./events.js";
export {
  createResyncPasswordHandler,
  type ResyncPasswordServices,
  type ResyncStatus,
} from "./heal-stale-password.js";
export {
  createLogger,
  isRedactedKey,
  LEVEL_NUMBERS,
  type LogDestination,
  type LogFields,
  type Logger,
  type LogMessage,
  type LogOutcome,
  type UserRef,
  userRef,
} from "./log.js";
export {
  createUserMigrationHandler,
  type UserMigrationHandler,
  type UserMigrationServices,
} from "./migrate-from-realm.js";
export {
  isPhaseOneAccount,
  isPhaseOneUser,
  MIGRATION_STATE_ATTRIBUTE,
  MIGRATION_STATES,
  type MigrationState,
  RESET_REQUESTED_AT_ATTRIBUTE,
} from "./migration-state.js";
export {
  createPostConfirmationHandler,
  type PostConfirmationEvent,
  type PostConfirmationServices,
} from "./password-set-in-cognito.js";
export { type EndpointLimits, RateLimiter, withinLimits } from "./rate-limit.js";
export { type RealmVerdict, verifyWithRealm } from "./realm-check.js";
export { buildDirectory, buildRateLimits, buildRealmClient } from "./services.js";
export {
  createPasswordResetRequestedHandler,
  type PasswordResetRequestedServices,
} from "./stale-on-reset.js";
