import { MigrationError } from "@realm-to-cognito/core";

export type CliErrorCode =
  | "BAD_USAGE"
  | "INVALID_CONFIG"
  | "LEDGER"
  | "SNAPSHOT"
  | "SOURCE"
  | "COGNITO"
  | "IMPORT_JOB"
  | "VERIFY_FAILED";

/** An error the command reports to the operator; `exitCode` 2 means the command was used wrongly. */
export class CliError extends MigrationError<CliErrorCode> {
  readonly exitCode: 1 | 2;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown; exitCode?: 1 | 2 }) {
    super(code, message, options);
    this.exitCode = options?.exitCode ?? (code === "BAD_USAGE" || code === "INVALID_CONFIG" ? 2 : 1);
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
