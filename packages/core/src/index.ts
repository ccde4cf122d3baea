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
export { cleanEmail, emailKey, isPlausibleEmail, sameEmail } from "./email.js";
export { InvalidRecordError, MigrationError, type MigrationErrorCode } from "./errors.js";
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
export type { SourceUser, UserSource } from "./user.js";
