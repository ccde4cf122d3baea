// Not pino (STYLE.md's choice) on purpose: pino and its dependencies are ~45 kB of the trigger bundle and
// ~10 ms of its cold start, against budgets of 50 kB and 15 ms (issue 3). This logger writes the same
// line shape ({level, time, ...fields, msg}, pino's numeric levels), so log tooling reads both alike.
import type { LogLevel } from "./config.js";
import type { RefusalReason } from "./errors.js";

/** Where lines go; one JSON line per call, newline-terminated. */
export interface LogDestination {
  write(line: string): void;
}

/** A user's pseudonym from {@link userRef}; branded so a raw email cannot be logged by mistake. */
export type UserRef = string & { readonly __userRef: true };

/** What a handler or endpoint reports as the end of an invocation. */
export type LogOutcome =
  | "migrated"
  | "refused"
  | "bad-request"
  | "failed"
  | "deleted"
  | "scrambled"
  | "realm-refused-reset"
  | "not-in-cognito"
  | "not-migrated-user"
  | "ignored-in-cognito-primary"
  | "rate-limited"
  | "resynced"
  | "unchanged"
  | "not-migrated"
  | "marked-cognito-password"
  | "ignored";

/**
 * The only fields a log line may carry: outcomes, reasons, pseudonyms and counts. Nothing a caller typed
 * (an email, a password, a body) fits these types; `err` is reduced to class, code and message.
 */
export interface LogFields {
  readonly outcome?: LogOutcome;
  readonly reason?: RefusalReason | "invalid-event" | "unexpected";
  readonly triggerSource?:
    | "UserMigration_Authentication"
    | "UserMigration_ForgotPassword"
    | "PostConfirmation_ConfirmSignUp"
    | "PostConfirmation_ConfirmForgotPassword";
  readonly user?: UserRef;
  readonly finalUserStatus?: "CONFIRMED" | "RESET_REQUIRED";
  readonly ms?: number;
  readonly users?: number;
  readonly badLines?: readonly number[];
  readonly badLineCount?: number;
  readonly err?: unknown;
}

/** Every message the handlers write; a new log call adds its message here, on review. */
export type LogMessage =
  | "user migrated"
  | "migration refused"
  | "snapshot loaded"
  | "reset notice rejected"
  | "reset notice failed"
  | "reset notice handled"
  | "resync rejected"
  | "resync answered"
  | "resync refused"
  | "post confirmation handled"
  | "post confirmation rejected"
  | "post confirmation failed";

type LogMethod = (fields: LogFields, msg: LogMessage) => void;

/** A structured JSON logger whose calls accept only {@link LogFields}. */
export interface Logger {
  readonly level: LogLevel;
  readonly fatal: LogMethod;
  readonly error: LogMethod;
  readonly warn: LogMethod;
  readonly info: LogMethod;
  readonly debug: LogMethod;
  readonly trace: LogMethod;
  /**
   * The same logger, refusing to print any string that contains one of `secrets` (the invocation's
   * password): the last line of defence should a future edit route it into a field or an error message.
   */
  withSecrets(secrets: readonly (string | undefined)[]): Logger;
}

/** pino's level numbers, so `level >= 50` filters errors in either logger's output. */
export const LEVEL_NUMBERS = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
} as const satisfies Record<LogLevel, number>;

/** Whatever the types let through, a value under a key naming one of these is replaced, at any depth. */
const SECRET_KEY = /password|passwd|token|authorization|secret|cookie|api_?key|private_?key|credential/i;
const REDACTED_KEYS = new Set(["event", "request", "body", "headers", "clientmetadata", "validationdata"]);
export const CENSOR = "[redacted]";
const MAX_DEPTH = 4;

/** True when a field of this name is never printed, whatever it holds. */
export function isRedactedKey(key: string): boolean {
  return SECRET_KEY.test(key) || REDACTED_KEYS.has(key.toLowerCase());
}

/**
 * A JSON logger with redaction. The handlers log outcomes and reasons only: never the event, a password,
 * a token or a request body; the types of {@link LogFields} hold them to it, and key redaction plus the
 * secrets scrub catch what a cast might smuggle past the types.
 * @example const log = createLogger({ level: "info" }); log.info({ outcome: "migrated" }, "user migrated");
 */
export function createLogger(options: { level: LogLevel; destination?: LogDestination }): Logger {
  const destination = options.destination ?? { write: (line: string) => void process.stdout.write(line) };
  return buildLogger(options.level, destination, []);
}

function buildLogger(level: LogLevel, destination: LogDestination, secrets: readonly string[]): Logger {
  const threshold = LEVEL_NUMBERS[level];
  const method =
    (name: Exclude<LogLevel, "silent">): LogMethod =>
    (fields, msg) => {
      const number = LEVEL_NUMBERS[name];
      if (number < threshold) return;
      destination.write(formatLine(number, fields, msg, secrets));
    };
  return {
    level,
    fatal: method("fatal"),
    error: method("error"),
    warn: method("warn"),
    info: method("info"),
    debug: method("debug"),
    trace: method("trace"),
    withSecrets: (more) =>
      buildLogger(level, destination, [
        ...secrets,
        ...more.filter((secret): secret is string => typeof secret === "string" && secret !== ""),
      ]),
  };
}

/** One pino-shaped line: `{"level":30,"time":<epoch ms>,...fields,"msg":"..."}` and a newline. */
export function formatLine(
  level: number,
  fields: LogFields,
  msg: string,
  secrets: readonly string[] = [],
): string {
  const line: Record<string, unknown> = { level, time: Date.now() };
  for (const [key, value] of Object.entries(fields)) {
    if (key === "level" || key === "time" || key === "msg" || value === undefined) continue;
    line[key] = isRedactedKey(key)
      ? CENSOR
      : key === "err"
        ? serializeError(value, secrets)
        : clean(value, secrets, 0);
  }
  line.msg = scrub(msg, secrets);
  return `${JSON.stringify(line)}\n`;
}

function clean(value: unknown, secrets: readonly string[], depth: number): unknown {
  switch (typeof value) {
    case "string":
      return scrub(value, secrets);
    case "number":
    case "boolean":
      return value;
    case "object": {
      if (value === null) return null;
      if (depth >= MAX_DEPTH) return "[too deep]";
      if (value instanceof Error) return serializeError(value, secrets);
      if (Array.isArray(value)) return value.map((item) => clean(item, secrets, depth + 1));
      const copy: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) {
        if (inner !== undefined) copy[key] = isRedactedKey(key) ? CENSOR : clean(inner, secrets, depth + 1);
      }
      return copy;
    }
    default:
      return undefined; // functions, symbols and bigints say nothing an operator needs
  }
}

/** A string containing a secret of this invocation is printed as the censor, whole. */
function scrub(text: string, secrets: readonly string[]): string {
  for (const secret of secrets) if (text.includes(secret)) return CENSOR;
  return text;
}

/** Errors are logged by class, code and message; causes may carry request details, so they are dropped. */
function serializeError(error: unknown, secrets: readonly string[]): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: "non-error thrown" };
  const coded = error as Error & { code?: unknown; reason?: unknown; status?: unknown; errorCode?: unknown };
  const serialized: Record<string, unknown> = {
    type: scrub(error.name, secrets),
    message: scrub(error.message, secrets),
  };
  if (typeof coded.code === "string") serialized.code = scrub(coded.code, secrets);
  if (typeof coded.reason === "string") serialized.reason = scrub(coded.reason, secrets);
  if (typeof coded.status === "number") serialized.status = coded.status;
  if (typeof coded.errorCode === "string" && coded.errorCode !== "")
    serialized.realmErrorCode = scrub(coded.errorCode, secrets);
  return serialized;
}

/**
 * A stable pseudonym for a user, to correlate log lines without logging the email. Like any hash of an
 * email it only hides it from a casual reader (emails can be guessed), so a fast non-cryptographic one
 * (cyrb53) serves as well as SHA-256 and keeps node:crypto, ~4 ms of CPU, out of the cold start.
 */
export function userRef(email: string): UserRef {
  const text = email.trim().toLowerCase();
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0") as UserRef;
}
