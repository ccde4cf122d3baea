export * from "./appservices/index.js";
export { ChromiumMissingError, chromiumLaunchOptions } from "./browser.js";
export * from "./cognito/index.js";
export {
  check,
  cognitoVerdict,
  type DemoContext,
  type DemoRow,
  type DemoStep,
  type DemoUser,
  demoSteps,
  formatDemoTable,
  resyncThroughApi,
  runDemoSteps,
  signInToCognito,
  UnexpectedOutcome,
} from "./demo.js";
export * from "./lambda/index.js";
export {
  handlerEnvironment,
  MIGRATION_API_ROUTES,
  PASSWORD_RESET_REQUESTED_FUNCTION,
  POST_CONFIRMATION_FUNCTION,
  RESYNC_PASSWORD_FUNCTION,
  type ResetAction,
  resetLinkExpired,
  SANDBOX_FUNCTIONS,
  type SandboxDescription,
  type SandboxWorld,
  type SandboxWorldOptions,
  startSandboxWorld,
  USER_EXISTENCE_ERRORS,
  type UserDirectoryKind,
  type UserExistenceErrors,
} from "./world.js";
