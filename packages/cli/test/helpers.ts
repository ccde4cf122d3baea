// Test helpers shared by the CLI's unit tests: temp directories, source users, planned ledgers.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SnapshotLine } from "@realm-to-cognito/core";
import { afterAll, vi } from "vitest";
import type { Clock } from "../src/clock.js";
import { ImportLedger, ledgerKeyOf } from "../src/ledger/index.js";
import { main } from "../src/main.js";

const made: string[] = [];
// Imported while the test file is collected, so this runs after the file's tests.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed after the test file. */
export function tempDir(prefix = "r2c-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Source user number `i`: confirmed, enabled, from the Admin API, with an id and email made from `i`. */
export function sourceUser(i: number, overrides: Partial<SnapshotLine> = {}): SnapshotLine {
  return {
    realmUserId: `64f65e24c2f20a0e2dff${i.toString(16).padStart(4, "0")}`,
    email: `user${i}@example.com`,
    confirmed: true,
    disabled: false,
    source: "admin-api",
    ...overrides,
  };
}

/** A new ledger file in `dir` with these users planned for import. */
export function plannedLedger(
  dir: string,
  users: readonly SnapshotLine[],
  options: { clock?: Clock } = {},
): ImportLedger {
  const ledger = ImportLedger.open(join(dir, `${Math.random().toString(36).slice(2)}.db`), options);
  ledger.recordPlan(
    users.map((user) => ({
      key: ledgerKeyOf(user),
      user,
      emailKey: user.email.toLowerCase(),
      state: "planned" as const,
    })),
  );
  return ledger;
}

/** Runs the whole command line in this process; what it writes to stdout and stderr is captured. */
export async function runMain(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(["node", "realm-to-cognito", ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}
