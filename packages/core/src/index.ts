export {
  type AccountStatus,
  accountStatus,
  DEFAULT_STATUS_VALUES,
  emailVerifiedValue,
  readDottedPath,
  type StatusFieldMapping,
  type StatusResult,
  statusFromDocument,
} from "./account-status.js";
export {
  type AttributeMapping,
  type CognitoAttributes,
  checkAttributeMapping,
  fromAttributeList,
  MONGO_ID_ATTRIBUTE,
  REALM_USER_ID_ATTRIBUTE,
  toAttributeList,
  toCognitoAttributes,
} from "./attributes.js";
export { bsonIdString, type IdResult, normalizeDecimal } from "./bson-id.js";
export {
  compareDirectoryKeys,
  DIRECTORY_FILE_HEADER,
  type DirectoryEntry,
  directoryLineKey,
  formatDirectoryHeader,
  formatDirectoryLine,
  isDirectoryEligible,
  parseDirectoryEntry,
  toDirectoryEntry,
} from "./directory-file.js";
export {
  cleanEmail,
  EMAIL_LIMITS,
  type EmailRejection,
  type EmailRejectionCode,
  emailKey,
  emailRejection,
  isPlausibleEmail,
  sameEmail,
} from "./email.js";
export { InvalidRecordError, MigrationError, type MigrationErrorCode } from "./errors.js";
export {
  dateIso,
  FLOWERBASE_AUTH_COLLECTION,
  type FlowerbaseUserResult,
  userFromFlowerbaseAuthUser,
} from "./flowerbase.js";
export {
  type ActionRoute,
  type FollowUp,
  isMigrationMode,
  MIGRATION_MODES,
  type MigrationMode,
  parseMigrationMode,
  routeFor,
  type UserAction,
} from "./mode.js";
export {
  COGNITO_DEFAULT_PASSWORD_POLICY,
  type PasswordPolicy,
  passwordPolicyViolations,
} from "./password-policy.js";
export { formatSnapshotLine, parseSnapshotLine, type SnapshotLine, snapshotLineSchema } from "./snapshot.js";
export {
  ADMIN_API_PAGE_SIZE,
  adminApiPosition,
  formatSourcePosition,
  type SourcePosition,
  sourcePositionSchema,
} from "./source-position.js";
export type { SourceUser, UserSource } from "./user.js";
