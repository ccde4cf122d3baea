import { MigrationError } from "@realm-to-cognito/core";

export type CliErrorCode =
  | "BAD_USAGE"
  | "INVALID_CONFIG"
  | "LEDGER"
  | "SNAPSHOT"
  | "SOURCE"
  | "COGNITO"
  | "IMPORT_JOB"
  | "OUTPUT"
  | "VERIFY_FAILED";

export type OperatorErrorCode =
  | "BAD_TEMPLATE"
  | "BAD_AUDIENCE"
  | "CAMPAIGN_BUSY"
  | "LEDGER_UNREADABLE"
  | "FORECAST_INPUT"
  | "BOUNCE_EVENTS"
  | "TRANSPORT_CONFIG";

interface CommandErrorOptions {
  cause?: unknown;
  exitCode?: 1 | 2;
}

/** An error a command reports to the operator: `exitCode` 2 means the command was used wrongly. */
abstract class CommandError<Code extends string> extends MigrationError<Code> {
  readonly exitCode: 1 | 2;

  protected constructor(
    code: Code,
    message: string,
    usageCodes: readonly Code[],
    options: CommandErrorOptions | undefined,
  ) {
    super(code, message, options);
    this.exitCode = options?.exitCode ?? (usageCodes.includes(code) ? 2 : 1);
  }
}

/** An error of the migration commands (export, plan, import, verify, status, doctor). */
export class CliError extends CommandError<CliErrorCode> {
  constructor(code: CliErrorCode, message: string, options?: CommandErrorOptions) {
    super(code, message, ["BAD_USAGE", "INVALID_CONFIG"], options);
  }
}

/** An error of the operator's commands (notify, forecast, report). */
export class OperatorError extends CommandError<OperatorErrorCode> {
  constructor(code: OperatorErrorCode, message: string, options?: CommandErrorOptions) {
    super(code, message, ["BAD_TEMPLATE", "BAD_AUDIENCE"], options);
  }
}

/** The configuration is wrong; `field` names the setting to fix. */
export class ConfigError extends CliError {
  readonly field: string;

  constructor(field: string, message: string) {
    super("INVALID_CONFIG", `${field}: ${message}`, { exitCode: 2 });
    this.field = field;
  }
}

/** A Cognito call failed in a way retrying will not fix. */
export class CognitoCallError extends CliError {
  readonly awsCode: string;

  constructor(operation: string, awsCode: string, message: string, options?: { cause?: unknown }) {
    super("COGNITO", `Cognito ${operation} failed: ${awsCode}: ${message}`, options);
    this.awsCode = awsCode;
  }
}
