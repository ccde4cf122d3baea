import { MigrationError } from "@realm-to-cognito/core";

/** A cognito-local child process that did not start, or stopped answering. */
export class CognitoLocalStartError extends MigrationError<"COGNITO_LOCAL_START"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("COGNITO_LOCAL_START", message, options);
  }
}
