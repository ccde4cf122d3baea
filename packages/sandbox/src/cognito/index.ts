export {
  type CognitoLocal,
  type CognitoLocalOptions,
  cognitoLocalClient,
  startCognitoLocal,
  USER_MIGRATION_FUNCTION,
} from "./cognito-local.js";
export { CognitoLocalStartError } from "./errors.js";
export { forgotPasswordMigrationEvent } from "./migration-event.js";
export {
  createProductionShapedPool,
  importWithoutPassword,
  type ProductionShapedPool,
  type ProductionShapedPoolOptions,
} from "./pool.js";
