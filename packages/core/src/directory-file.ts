import type { SourceUser } from "./user.js";

/**
 * The user directory file: what the trigger's forgot-password path looks users up in, written by the
 * CLI from a snapshot. One line a user, `<email key>\t<JSON>`, sorted by email key in UTF-8 byte
 * order, after a header line. Sorted lines let the trigger binary-search the file with a few
 * positioned reads, so a directory of millions of users costs neither cold-start time nor memory.
 */
export const DIRECTORY_FILE_HEADER = "#realm-to-cognito/directory@1";

/** What the trigger needs to bring a user into Cognito without their password. */
export interface DirectoryEntry {
  readonly realmUserId: string;
  readonly email: string;
  readonly mongoId?: string;
  readonly extra?: Readonly<Record<string, string>>;
}

/** A user the forgot-password path may bring into Cognito: confirmed, enabled, with a Realm user id. */
export function isDirectoryEligible(user: SourceUser): user is SourceUser & { realmUserId: string } {
  return user.confirmed && !user.disabled && user.realmUserId !== undefined;
}

export function toDirectoryEntry(user: SourceUser & { realmUserId: string }): DirectoryEntry {
  return {
    realmUserId: user.realmUserId,
    email: user.email,
    ...(user.mongoId !== undefined ? { mongoId: user.mongoId } : {}),
    ...(user.extra !== undefined ? { extra: user.extra } : {}),
  };
}

/** `null` marks an email key two different Realm users share: it matches nobody. */
export function formatDirectoryLine(key: string, entry: DirectoryEntry | null): string {
  if (/[\t\n\r]/.test(key)) throw new TypeError("a directory key holds no tab or line break");
  return `${key}\t${JSON.stringify(entry)}`;
}

export function formatDirectoryHeader(counts: { users: number; ambiguous: number }): string {
  return `${DIRECTORY_FILE_HEADER}\t${JSON.stringify(counts)}`;
}

/** The key of a directory line (the text before its tab), or undefined for a line without one. */
export function directoryLineKey(line: string): string | undefined {
  const tab = line.indexOf("\t");
  return tab < 0 ? undefined : line.slice(0, tab);
}

/** The entry of a directory line; throws on a line that is not one. */
export function parseDirectoryEntry(line: string): DirectoryEntry | null {
  const tab = line.indexOf("\t");
  const value = JSON.parse(line.slice(tab + 1)) as unknown;
  if (value === null) return null;
  const entry = value as Partial<DirectoryEntry>;
  if (
    tab < 0 ||
    typeof entry !== "object" ||
    typeof entry.realmUserId !== "string" ||
    typeof entry.email !== "string"
  )
    throw new SyntaxError("not a directory line");
  return entry as DirectoryEntry;
}

const encoder = new TextEncoder();

/** Orders email keys by their UTF-8 bytes, as the file is sorted (and as SQLite's BINARY collation). */
export function compareDirectoryKeys(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const length = Math.min(x.length, y.length);
  for (let i = 0; i < length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
