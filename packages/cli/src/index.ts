export { type Clock, systemClock } from "./clock.js";
export { createCognitoClient } from "./cognito/client.js";
export { listPoolUsers } from "./cognito/pool.js";
export { type Config, type ConfigFile, configSchema, loadConfig, type Secrets } from "./config.js";
export { type DoctorReport, runDoctor } from "./doctor.js";
export { type ImportSummary, importWithAdminCreate } from "./engines/admin-create.js";
export { CSV_LIMITS, csvRow, csvValue, writeCsvFiles } from "./engines/csv-file.js";
export { poolCsvHeader, runImportJobs } from "./engines/csv-job.js";
export { unknowablePassword } from "./engines/random-password.js";
export { CliError, type CliErrorCode, CognitoCallError, ConfigError } from "./errors.js";
export { type ExportOptions, type ExportResult, exportSnapshot } from "./export.js";
export {
  type HistoryEntry,
  type ImportEngine,
  ImportLedger,
  LEDGER_MIGRATIONS,
  LEDGER_STATES,
  type LedgerState,
  type LedgerUser,
  ledgerKeyOf,
  type PlannedUser,
  type PoolUser,
} from "./ledger/index.js";
export { buildProgram, main } from "./main.js";
export { classify, type PlanSummary, planImport } from "./plan.js";
export { forEachBounded, isRetryableCognitoError, TokenBucket, withRetries } from "./rate.js";
export { hasReset, type ImportedUserFacts, RESET_MARGIN_MS } from "./reset.js";
export {
  createServices,
  createSesClient,
  type Output,
  type Services,
} from "./services.js";
export {
  checkSnapshot,
  readSnapshot,
  type SnapshotManifest,
  SnapshotWriter,
  snapshotPaths,
} from "./snapshot-file.js";
export { readMongoexport } from "./sources/mongoexport.js";
export { collectionUsers, mongoexportUsers } from "./sources/user-collection.js";
export { migrationStatus, type StatusReport } from "./status.js";
export { type VerifyReport, verifyMigration } from "./verify.js";
