export {
  type CognitoLocal,
  type CognitoLocalOptions,
  cognitoLocalClient,
  startCognitoLocal,
  USER_MIGRATION_FUNCTION,
} from "./cognito-local.js";
export { type CsvImportedUser, type CsvImportOptions, importAsCsvJob } from "./csv-import.js";
export { CognitoLocalStartError } from "./errors.js";
export {
  INCORRECT_CREDENTIALS_MESSAGE,
  rewriteFor,
  simulatedDelivery,
  startUserExistenceProxy,
  type UserExistenceProxy,
  type UserExistenceProxyOptions,
} from "./existence-proxy.js";
export { forgotPasswordMigrationEvent } from "./migration-event.js";
export {
  createProductionShapedPool,
  importWithoutPassword,
  type ProductionShapedPool,
  type ProductionShapedPoolOptions,
} from "./pool.js";
