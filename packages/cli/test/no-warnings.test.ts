// Writing the files an operator makes emits no process warning (issue 16 item 7): no
// MaxListenersExceededWarning from a write stream that gets a listener per drain, no DEP0137 or
// "Closing file descriptor N on garbage collection" from a file handle left to the garbage collector.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatSnapshotLine, type SnapshotLine } from "@realm-to-cognito/core";
import { SortedDirectoryFile } from "@realm-to-cognito/trigger";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeDirectoryFile } from "../src/directory-file.js";
import { writeCsvFiles } from "../src/engines/csv-file.js";
import { exportSnapshot } from "../src/export.js";
import { POOL_CSV_HEADER } from "./csv-header.js";
import { plannedLedger, sourceUser, tempDir } from "./helpers.js";

let warnings: Error[] = [];
const collect = (warning: Error) => {
  warnings.push(warning);
};
beforeEach(() => {
  warnings = [];
  process.on("warning", collect);
});
afterEach(() => {
  process.off("warning", collect);
});

// Warnings are emitted on the next tick; GC-time ones only after a collection.
async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const USERS = 30_000;
const hex24 = (n: number) => n.toString(16).padStart(24, "0");

function bigSnapshot(dir: string): string {
  const lines: string[] = [];
  for (let i = 1; i <= USERS; i++) {
    const user: SnapshotLine = {
      realmUserId: hex24(i),
      email: `user${i}.with.a.longer.address@example.com`,
      mongoId: hex24(1_000_000 + i),
      confirmed: true,
      disabled: false,
      source: "admin-api",
    };
    lines.push(formatSnapshotLine(user));
  }
  const file = join(dir, "big.ndjson");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

describe("no process warnings", () => {
  it("while writing a directory file far larger than a stream's buffer, and reading it back", async () => {
    const dir = tempDir();
    const out = join(dir, "directory.ndjson");
    const summary = await writeDirectoryFile(bigSnapshot(dir), out);
    expect(summary.users).toBe(USERS);
    const directory = new SortedDirectoryFile(out);
    for (const i of [1, 777, USERS])
      expect(await directory.findByEmail(`user${i}.with.a.longer.address@example.com`)).toBeDefined();
    await settle();
    expect(warnings.map((warning) => `${warning.name}: ${warning.message}`)).toEqual([]);
  });

  it("while exporting and writing CSV files", async () => {
    const dir = tempDir();
    const mongoexport = join(dir, "users.json");
    writeFileSync(
      mongoexport,
      Array.from(
        { length: 5_000 },
        (_, i) =>
          `{"_id":{"$oid":"${hex24(i + 1)}"},"user_id":"${hex24(100_000 + i)}","email":"user${i}@example.com"}`,
      ).join("\n"),
    );
    await exportSnapshot({
      out: join(dir, "users.ndjson"),
      collection: { kind: "mongoexport", file: mongoexport },
      fields: { userIdField: "user_id", emailField: "email", mongoIdField: "_id", extraFields: [] },
    });
    const ledger = plannedLedger(
      dir,
      Array.from({ length: 5_000 }, (_, i) => sourceUser(i + 1)),
    );
    try {
      await writeCsvFiles({ ledger, header: POOL_CSV_HEADER, outDir: dir, username: "email" });
    } finally {
      ledger.close();
    }
    await settle();
    expect(warnings.map((warning) => `${warning.name}: ${warning.message}`)).toEqual([]);
  });
});

describe("no file handle left to the garbage collector", () => {
  it("in a process that forces collections after writing and searching a directory file (--expose-gc)", async () => {
    const dir = tempDir();
    const snapshot = bigSnapshot(dir);
    const root = resolve(import.meta.dirname, "../../..");
    const script = `
      const { writeDirectoryFile } = await import(${JSON.stringify(join(root, "packages/cli/src/directory-file.ts"))});
      const { SortedDirectoryFile } = await import("@realm-to-cognito/trigger");
      const out = ${JSON.stringify(join(dir, "gc.directory"))};
      await writeDirectoryFile(${JSON.stringify(snapshot)}, out);
      const directory = new SortedDirectoryFile(out);
      for (let i = 1; i <= 200; i++) await directory.findByEmail("user" + i + ".with.a.longer.address@example.com");
      for (let round = 0; round < 5; round++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
    `;
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: root,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise((done) => child.on("close", done));
    expect(stderr).not.toMatch(/Warning|DEP0137|garbage collection/);
    expect(code).toBe(0);
  });
});
