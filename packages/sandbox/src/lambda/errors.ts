import { MigrationError } from "@realm-to-cognito/core";

/** The bridge has no function registered under this name (Lambda's ResourceNotFoundException). */
export class LambdaFunctionNotFoundError extends MigrationError<"LAMBDA_FUNCTION_NOT_FOUND"> {
  readonly functionName: string;

  constructor(functionName: string) {
    super(
      "LAMBDA_FUNCTION_NOT_FOUND",
      `No function named "${functionName}" is registered on the Lambda bridge; register it first.`,
    );
    this.functionName = functionName;
  }
}

/**
 * The function threw (or its module failed to load). Carries only the error's type and message, as
 * Lambda's `X-Amz-Function-Error: Unhandled` answer does; never the event.
 */
export class LambdaFunctionError extends MigrationError<"LAMBDA_FUNCTION_ERROR"> {
  readonly functionName: string;
  readonly errorType: string;
  readonly errorMessage: string;

  constructor(functionName: string, errorType: string, errorMessage: string) {
    super("LAMBDA_FUNCTION_ERROR", `Function "${functionName}" failed: ${errorType}: ${errorMessage}`);
    this.functionName = functionName;
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }
}
