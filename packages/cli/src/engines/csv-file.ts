import { existsSync, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { type AttributeMapping, toCognitoAttributes } from "@realm-to-cognito/core";
import {
  MIGRATION_STATE_ATTRIBUTE,
  MIGRATION_STATE_IMPORTED,
  mfaColumn,
  type PoolImportSettings,
} from "../cognito/import-settings.js";
import type { ImportLedger, LedgerUser } from "../ledger/index.js";
import { privateWriteStream } from "../output-file.js";
import { importableUser } from "./importable-user.js";

/** AWS's limits for one import file. */
export const CSV_LIMITS = { users: 500_000, bytes: 100 * 1024 * 1024, rowChars: 16_000 } as const;

export interface CsvWriteOptions {
  readonly ledger: ImportLedger;
  /** Columns in the pool's order, from GetCSVHeader. */
  readonly header: readonly string[];
  readonly outDir: string;
  readonly username: "email" | "realm-user-id";
  readonly mapping?: AttributeMapping;
  /** Import pending registrations with a verified email (see `importableUser`). */
  readonly trustPendingEmails?: boolean;
  /** The pool's MFA configuration and whether it has `custom:migration_state`; default MFA OFF, no marker. */
  readonly pool?: PoolImportSettings;
  readonly maxUsers?: number;
  readonly maxBytes?: number;
  readonly onProgress?: (written: number) => void;
}

export interface CsvFileWritten {
  readonly file: string;
  readonly map: string;
  readonly users: number;
  readonly bytes: number;
}

export interface CsvWriteSummary {
  readonly files: CsvFileWritten[];
  readonly users: number;
  /** Users that cannot go into a CSV file, with why (recorded as failed in the ledger). */
  readonly refused: number;
}

/** One CSV value: trimmed by Cognito anyway, commas escaped with a backslash, never quoted. */
export function csvValue(value: string): string {
  return value.includes(",") ? value.replaceAll(",", "\\,") : value;
}

/** Why a user cannot be written as a row, or undefined when it can. */
export function csvRowProblem(values: Readonly<Record<string, string>>): string | undefined {
  for (const column in values) {
    const value = values[column]!;
    if (value.includes("\n") || value.includes("\r"))
      return `${column} holds a line break, which a CSV row cannot carry`;
  }
  return undefined;
}

/**
 * One row for `header`: `cognito:username` from the user, `cognito:mfa_enabled` as the pool's MFA
 * configuration requires (see `mfaColumn`; "false" unless given), `email_verified` as the user's own
 * (a pending user's is "false"), mapped attributes, every other column empty.
 */
export function csvRow(
  header: readonly string[],
  username: string,
  attributes: Readonly<Record<string, string>>,
  mfaEnabled: "true" | "false" = "false",
): string {
  return header
    .map((column) => {
      if (column === "cognito:username") return csvValue(username);
      if (column === "cognito:mfa_enabled") return mfaEnabled;
      if (column === "email_verified") return attributes.email_verified === "true" ? "true" : "false";
      return csvValue(attributes[column] ?? "");
    })
    .join(",");
}

/**
 * Writes the planned users of the ledger not yet in a file into Cognito import CSV files (UTF-8, no BOM,
 * `\n` line ends, at most 500,000 users and 100 MB a file) with a line-to-user map beside each
 * (`<file>.map.ndjson`: the import job's logs name lines only). A file is renamed into place, then its
 * users are assigned to it in the ledger, so a killed run leaves no user in two files.
 */
export async function writeCsvFiles(options: CsvWriteOptions): Promise<CsvWriteSummary> {
  const maxUsers = Math.min(options.maxUsers ?? CSV_LIMITS.users, CSV_LIMITS.users);
  const maxBytes = Math.min(options.maxBytes ?? CSV_LIMITS.bytes, CSV_LIMITS.bytes);
  const headerLine = `${options.header.join(",")}\n`;
  const files: CsvFileWritten[] = [];
  let refused = 0;
  let total = 0;
  let current: OpenCsv | undefined;

  const close = async (): Promise<void> => {
    if (current === undefined) return;
    const done = current;
    current = undefined;
    if (done.users === 0) return;
    await flushRows(done, options.ledger);
    await Promise.all([end(done.out), end(done.mapOut)]);
    await rename(`${done.file}.partial`, done.file);
    await rename(`${done.map}.partial`, done.map);
    files.push({ file: done.file, map: done.map, users: done.users, bytes: done.bytes });
  };

  await recoverInterruptedFiles(options.ledger);
  for (const row of pendingRows(options.ledger)) {
    const username = options.username === "email" ? row.user.email : (row.realmUserId ?? row.user.email);
    const user = importableUser(row.user, options.trustPendingEmails ?? false);
    const attributes = {
      ...toCognitoAttributes(user, options.mapping),
      ...(options.pool?.migrationStateAttribute && options.header.includes(MIGRATION_STATE_ATTRIBUTE)
        ? { [MIGRATION_STATE_ATTRIBUTE]: MIGRATION_STATE_IMPORTED }
        : {}),
    };
    const mfa = mfaColumn(options.pool?.mfa ?? { configuration: "OFF" }, { attributes });
    const problem = !user.confirmed
      ? "the CSV import needs a verified email and this user never confirmed it"
      : "refusal" in mfa
        ? mfa.refusal
        : (csvRowProblem(attributes) ?? csvRowProblem({ "cognito:username": username }));
    const line = `${csvRow(options.header, username, attributes, "value" in mfa ? mfa.value : "false")}\n`;
    const refusal =
      problem ??
      (line.length - 1 > CSV_LIMITS.rowChars
        ? `row longer than ${CSV_LIMITS.rowChars} characters`
        : undefined);
    if (refusal) {
      options.ledger.transition(row.key, "failed", { event: "csv", reason: refusal, engine: "csv-job" });
      refused++;
      continue;
    }
    const bytes = Buffer.byteLength(line);
    if (current && (current.users >= maxUsers || current.bytes + bytes > maxBytes)) await close();
    if (current === undefined) current = openCsv(options.outDir, headerLine);
    current.users++;
    current.bytes += bytes;
    const lineNumber = current.users + 1; // line 1 is the header
    current.lines.push({ key: row.key, line: lineNumber, username });
    current.rows.push(line);
    current.mapRows.push(
      `${JSON.stringify({ line: lineNumber, key: row.key, username, email: row.user.email })}\n`,
    );
    // Many small writes cost more than the rows: hand the streams a few hundred rows at a time.
    if (current.rows.length >= 4_096) await flushRows(current, options.ledger);
    total++;
    if (total % 10_000 === 0) options.onProgress?.(total);
  }
  await close();
  options.onProgress?.(total);
  return { files, users: total, refused };
}

interface OpenCsv {
  file: string;
  map: string;
  out: WriteStream;
  mapOut: WriteStream;
  users: number;
  bytes: number;
  lines: Array<{ key: string; line: number; username: string }>;
  rows: string[];
  mapRows: string[];
}

// Rows go to the file and their users to the ledger a batch at a time, so memory stays flat. A kill
// before the file is renamed into place leaves users assigned to a file that does not exist: the next
// run finds them (recoverInterruptedFiles) and writes them again.
async function flushRows(csv: OpenCsv, ledger: ImportLedger): Promise<void> {
  if (csv.rows.length === 0) return;
  const rows = csv.rows.join("");
  const mapRows = csv.mapRows.join("");
  ledger.assignCsvLines(csv.file, csv.lines);
  csv.rows = [];
  csv.mapRows = [];
  csv.lines = [];
  await Promise.all([write(csv.out, rows), write(csv.mapOut, mapRows)]);
}

/** Forgets assignments to files a killed run never finished, and removes their partial files. */
async function recoverInterruptedFiles(ledger: ImportLedger): Promise<number> {
  let recovered = 0;
  for (const file of ledger.csvFiles()) {
    if (existsSync(file)) continue;
    recovered += ledger.clearCsvFile(file);
    await rm(`${file}.partial`, { force: true });
    await rm(`${file}.map.ndjson.partial`, { force: true });
  }
  return recovered;
}

function openCsv(outDir: string, headerLine: string): OpenCsv {
  let index = 1;
  const name = (n: number) => join(outDir, `cognito-import-${String(n).padStart(4, "0")}.csv`);
  while (existsSync(name(index)) || existsSync(`${name(index)}.partial`)) index++;
  const file = name(index);
  const map = `${file}.map.ndjson`;
  const out = privateWriteStream(`${file}.partial`);
  out.write(headerLine);
  return {
    file,
    map,
    out,
    mapOut: privateWriteStream(`${map}.partial`),
    users: 0,
    bytes: Buffer.byteLength(headerLine),
    lines: [],
    rows: [],
    mapRows: [],
  };
}

// Planned users with no file yet; a user assigned to a file keeps it until its job ran.
function pendingRows(ledger: ImportLedger): Iterable<Pick<LedgerUser, "key" | "realmUserId" | "user">> {
  return ledger.plannedWithoutCsvFile();
}

function write(stream: WriteStream, text: string): Promise<void> | void {
  if (!stream.write(text)) return new Promise((resolve) => stream.once("drain", resolve));
}

function end(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}
