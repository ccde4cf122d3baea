export { CollectionAccess } from "./access.js";
export { GuardError, type GuardErrorCode, RulesError } from "./errors.js";
export { type Bound, type Filter, parseExpression } from "./expressions.js";
export {
  createGuard,
  Guard,
  GuardedCollection,
  type GuardedCursor,
  type GuardedFindOneAndDeleteOptions,
  type GuardedFindOneAndReplaceOptions,
  type GuardedFindOneAndUpdateOptions,
  type GuardedFindOptions,
  type GuardedUpdateOptions,
  type GuardOptions,
  type RealmUser,
} from "./guard.js";
export {
  type AppClientWriteAttributes,
  bearerToken,
  COGNITO_ONLY_ID_PREFIX,
  type CognitoClientCalls,
  cognitoPoolInspector,
  createIdentityVerifier,
  type IdentityOptions,
  type IdentityVerifier,
  MONGO_ID_CLAIM,
  type PoolInspector,
  PROTECTED_ID_ATTRIBUTES,
  REALM_USER_ID_CLAIM,
  type RealmUserIdSource,
  type VerifiedIdentity,
} from "./identity.js";
export type { Projection } from "./operation-checks.js";
export {
  createRealmContext,
  type RealmCollection,
  type RealmContext,
  type RealmContextOptions,
  type RealmFindOneAndModifyOptions,
  type RealmFunction,
  type RealmFunctionHandlerOptions,
  realmContext,
  realmFunctionHandler,
} from "./realm-context.js";
export {
  type AppRules,
  type CollectionRules,
  type CustomUserDataSource,
  compileRulesFile,
  defineAppRules,
  loadAppRules,
  type RulesFile,
  ServiceRules,
} from "./rules.js";
export type {
  CursorLike,
  Document,
  MongoClientLike,
  MongoCollectionLike,
  MongoDatabaseLike,
  UpdateResultLike,
} from "./types.js";
