export { registerOperatorCommands } from "../commands/index.js";
export { OperatorError, type OperatorErrorCode } from "../errors.js";
export {
  type Recipient,
  type ResendPolicy,
  SEND_STATUSES,
  SendLedger,
  type SendRecord,
  type SendStatus,
} from "../ledger/send-ledger.js";
export { TokenBucket } from "../rate.js";
export { AUDIENCES, type AudienceName, parseAudience, recipientsOf } from "./audience.js";
export {
  type BounceImportResult,
  importBounceEvents,
  type LateOutcomeRecord,
  type RejectedEvent,
} from "./bounces.js";
export {
  type Forecast,
  type ForecastOptions,
  type ForecastPoint,
  type ForecastUser,
  fitRecencies,
  forecastPhaseOne,
  formatForecast,
  signInProbability,
  type UserOutlook,
  usersLeftAtSwitch,
} from "./forecast.js";
export { forecastUsersOf } from "./forecast-users.js";
export {
  countMigrationsByDay,
  isInCognito,
  type LedgerView,
  ledgerViewFromUsers,
  ledgerViewOf,
  type MigrationDay,
  OPERATOR_STATES,
  type OperatorState,
  type OperatorUser,
  type Population,
  type ProblemUser,
  populationOf,
  STATE_LABELS,
} from "./ledger-view.js";
export { type NotifyOptions, type NotifyResult, notify } from "./notify.js";
export {
  dateLabelIndices,
  gatherReport,
  nextStepOf,
  type ReportData,
  readableTime,
  renderReportHtml,
} from "./report.js";
export { type TransportSettings, transportSettingsFrom } from "./settings.js";
export {
  BEFORE_SWITCH_TEMPLATE,
  checkTemplate,
  escapeHtml,
  type MessageTemplate,
  RESET_NOTICE_TEMPLATE,
  type RenderedMessage,
  renderMessage,
} from "./template.js";
export { classifySesError, createSesTransport, type SesTransportOptions } from "./transports/ses.js";
export { classifySmtpError, createSmtpTransport, type SmtpTransportOptions } from "./transports/smtp.js";
export type { MailTransport, OutgoingMessage, SendOutcome } from "./transports/transport.js";
export {
  renderLedgerFileTrend,
  renderLedgerTrend,
  renderTrend,
  sparkline,
  type TrendOptions,
} from "./trend.js";
