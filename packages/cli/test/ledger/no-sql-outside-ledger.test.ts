import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

// What SQL looks like in this code base: the driver, its calls on a handle, and SQL keywords in upper
// case (prose and regular expressions write them otherwise).
const SQL_SIGNS: ReadonlyArray<[string, RegExp]> = [
  ["better-sqlite3 import", /from\s+["']better-sqlite3["']|require\(\s*["']better-sqlite3["']\s*\)/],
  ["prepare call", /\.prepare\s*[<(]/],
  ["exec of SQL text", /\.exec\s*\(\s*["'`]/],
  ["pragma call", /\.pragma\s*\(/],
  ["transaction call", /\.transaction\s*\(/],
  [
    "SQL statement",
    /\bSELECT\s+[\w*(]|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+(TEMP\s+|UNIQUE\s+)?(TABLE|INDEX)\b|\bDROP\s+TABLE\b|\bALTER\s+TABLE\b/,
  ],
];

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** Every line of `packages/cli/src` outside `src/ledger/` that looks like SQL, as `file:line (sign)`. */
export function sqlOutsideLedger(src = SRC): string[] {
  const offenders: string[] = [];
  for (const file of sourceFiles(src)) {
    const name = relative(src, file).split("\\").join("/");
    if (name.startsWith("ledger/")) continue;
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((text, index) => {
        for (const [sign, pattern] of SQL_SIGNS)
          if (pattern.test(text)) {
            offenders.push(`${name}:${index + 1} (${sign})`);
            break;
          }
      });
  }
  return offenders;
}

describe("the ledger module owns every SQLite file", () => {
  it("no SQL, no SQLite handle and no better-sqlite3 import outside src/ledger/", () => {
    expect(sqlOutsideLedger()).toEqual([]);
  });

  it("the scan recognises each kind of SQL site (so an empty result means something)", () => {
    const samples = [
      'import Database from "better-sqlite3";',
      "const s = db.prepare<[], Row>(sql);",
      'db.exec("CREATE TABLE t (a TEXT)");',
      'db.pragma("journal_mode = WAL");',
      "const batch = db.transaction(() => {});",
      '"SELECT key, email FROM users WHERE state = ?"',
      '"INSERT OR IGNORE INTO t (a) VALUES (?)"',
      "`UPDATE users SET state = ?`",
      '"DELETE FROM current_audience"',
      '"CREATE TEMP TABLE plan_users (line INTEGER)"',
    ];
    for (const sample of samples)
      expect(
        SQL_SIGNS.some(([, pattern]) => pattern.test(sample)),
        sample,
      ).toBe(true);
    for (const prose of [
      "const match = LINE.exec(message.trim());",
      "// select the users to notify, then update the report",
      "throw new Error('Select a pool first');",
    ])
      expect(
        SQL_SIGNS.some(([, pattern]) => pattern.test(prose)),
        prose,
      ).toBe(false);
  });
});
