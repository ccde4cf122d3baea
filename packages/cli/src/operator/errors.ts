import { MigrationError } from "@realm-to-cognito/core";

export type OperatorErrorCode =
  | "BAD_TEMPLATE"
  | "BAD_AUDIENCE"
  | "CAMPAIGN_BUSY"
  | "LEDGER_UNREADABLE"
  | "FORECAST_INPUT"
  | "TRANSPORT_CONFIG";

/** An error of the operator's commands (notify, forecast, report); `exitCode` 2 means wrong usage. */
export class OperatorError extends MigrationError<OperatorErrorCode> {
  readonly exitCode: 1 | 2;

  constructor(code: OperatorErrorCode, message: string, options?: { cause?: unknown; exitCode?: 1 | 2 }) {
    super(code, message, options);
    this.exitCode = options?.exitCode ?? (code === "BAD_TEMPLATE" || code === "BAD_AUDIENCE" ? 2 : 1);
  }
}
