export { MigrationConfigError } from "./errors.js";
export { EXAMPLE_STACK_NAME, exampleApp } from "./example-app.js";
export {
  BACKEND_ONLY_ATTRIBUTES,
  BUNDLE_FILES,
  COGNITO_ACTIONS,
  LAMBDA_ENV,
  RESET_ACTIONS,
  type ResetAction,
} from "./lambda-contract.js";
export {
  type MigrationEndpointsProps,
  type MigrationPasswordPolicy,
  type RealmAppProps,
  RealmToCognitoMigration,
  type RealmToCognitoMigrationProps,
  type SesIdentityProps,
  type UserDirectoryProps,
} from "./migration.js";
