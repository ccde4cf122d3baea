/** Every error the toolkit raises on purpose carries one of these stable codes. */
export type MigrationErrorCode =
  | "INVALID_CONFIG"
  | "INVALID_EMAIL"
  | "INVALID_RECORD"
  | "PASSWORD_POLICY"
  | "UNKNOWN_MODE";

/**
 * Base class of the toolkit's errors: a stable `code` to branch on, a message that says what happened
 * and what to do next, and the original `cause` when there is one.
 */
export class MigrationError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A record from outside (export, snapshot, user collection) that cannot become a user. */
export class InvalidRecordError extends MigrationError<"INVALID_RECORD" | "INVALID_EMAIL"> {
  readonly field: string;

  constructor(code: "INVALID_RECORD" | "INVALID_EMAIL", field: string, message: string) {
    super(code, message);
    this.field = field;
  }
}
