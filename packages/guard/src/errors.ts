import { MigrationError } from "@realm-to-cognito/core";

/**
 * Stable codes of every refusal the guard makes. The HTTP edge maps them to statuses:
 * `TOKEN_*` and `USER_ID_MISSING` → 401, `PERMISSION_DENIED` and `OPERATION_REFUSED` → 403,
 * `INVALID_REQUEST` → 400, `INVALID_RULES`, `IDENTITY_UNTRUSTED`, `WRITE_CONFLICT` and
 * `UNKNOWN_FUNCTION` → 500. `IDENTITY_UNTRUSTED`: the guard cannot establish where a trusted
 * `%%user.id` comes from, so it refuses to start.
 */
export type GuardErrorCode =
  | "TOKEN_MISSING"
  | "TOKEN_INVALID"
  | "USER_ID_MISSING"
  | "PERMISSION_DENIED"
  | "OPERATION_REFUSED"
  | "INVALID_REQUEST"
  | "INVALID_RULES"
  | "IDENTITY_UNTRUSTED"
  | "WRITE_CONFLICT"
  | "UNKNOWN_FUNCTION";

/** A refusal by the guard: the operation did not reach the database, or changed nothing. */
export class GuardError extends MigrationError<GuardErrorCode> {}

/** An exported rules file the guard cannot interpret; raised at load time, never at request time. */
export class RulesError extends GuardError {
  /** The file (relative to the app export) or the label given to in-memory rules. */
  readonly file: string;
  /** Where in the file, e.g. `roles[0].apply_when.%function`. */
  readonly field: string;

  constructor(file: string, field: string, problem: string) {
    super(
      "INVALID_RULES",
      `${file}: ${field || "(root)"}: ${problem}. Fix the rules file; the guard refuses to start.`,
    );
    this.file = file;
    this.field = field;
  }
}

/** A rules problem found while parsing one expression; the loader adds the file name. */
export class ExpressionError extends Error {
  readonly field: string;
  constructor(field: string, problem: string) {
    super(problem);
    this.field = field;
  }
}

/** Shorthand for an operation the guard cannot prove safe. */
export function refused(what: string): GuardError {
  return new GuardError(
    "OPERATION_REFUSED",
    `Refused: ${what}. The guard only runs operations it can prove safe.`,
  );
}

/** Shorthand for an operation the user's role does not permit. */
export function denied(what: string): GuardError {
  return new GuardError("PERMISSION_DENIED", `Permission denied: ${what}.`);
}
