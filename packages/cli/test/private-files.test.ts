// Files holding emails are created 0600 even under a permissive umask, and a failed export leaves
// nothing at the paths the operator named (issue 16 item 6), against the sandbox's emulator.
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCommand } from "../src/commands/export.js";
import { planCommand } from "../src/commands/plan.js";
import { writeDirectoryFile } from "../src/directory-file.js";
import { writeCsvFiles } from "../src/engines/csv-file.js";
import { ImportLedger } from "../src/ledger/index.js";
import { createServices } from "../src/services.js";
import { POOL_CSV_HEADER } from "./csv-header.js";
import { plannedLedger, runMain, sourceUser, tempDir } from "./helpers.js";
import { type CliSandbox, startCliSandbox } from "./sandbox.js";

const services = createServices();

let sandbox: CliSandbox;
let savedUmask: number;

beforeAll(async () => {
  sandbox = await startCliSandbox({ users: 12 });
  // The most permissive umask: whatever the tool does not narrow itself would be world-writable.
  savedUmask = process.umask(0);
});
afterAll(async () => {
  process.umask(savedUmask);
  await sandbox?.stop();
});

const modeOf = (file: string) => statSync(file).mode & 0o777;

function exportOptions(out: string) {
  return { out, adminApi: true, collection: false, pending: true, resume: false } as const;
}

describe("a failed export", () => {
  it("answered 401 by the Admin API, leaves no snapshot, rejects or partial file behind", async () => {
    const dir = tempDir();
    const out = join(dir, "users.ndjson");
    const config = sandbox.config();
    const wrong = { ...config };
    Object.defineProperty(wrong, "secrets", {
      value: { realmAdminPrivateKey: "wrong-private-key-0123456789" },
      enumerable: false,
    });
    await expect(
      exportCommand(services, { config: wrong, quiet: true }, exportOptions(out)),
    ).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("without a key, leaves nothing either", async () => {
    const dir = tempDir();
    const out = join(dir, "users.ndjson");
    const config = sandbox.config();
    const noKey = { ...config };
    Object.defineProperty(noKey, "secrets", { value: {}, enumerable: false });
    await expect(exportCommand(services, { config: noKey, quiet: true }, exportOptions(out))).rejects.toThrow(
      /REALM_ADMIN_PRIVATE_KEY/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it("keeps a finished snapshot in place when a later export to the same path fails", async () => {
    const dir = tempDir();
    const out = join(dir, "users.ndjson");
    const good = await exportCommand(services, { config: sandbox.config(), quiet: true }, exportOptions(out));
    const wrong = { ...sandbox.config() };
    Object.defineProperty(wrong, "secrets", {
      value: { realmAdminPrivateKey: "wrong-private-key-0123456789" },
      enumerable: false,
    });
    await expect(
      exportCommand(services, { config: wrong, quiet: true }, exportOptions(out)),
    ).rejects.toThrow();
    expect(statSync(out).size).toBe(good.manifest.bytes);
    expect(readdirSync(dir).filter((name) => name.endsWith(".partial"))).toEqual([]);
  });
});

describe("files holding emails are created 0600 under umask 0", () => {
  it("snapshot, rejects, unmatched and manifest", async () => {
    const dir = tempDir();
    const mongoexport = join(dir, "users.json");
    await sandbox.realm.exportUserCollection(mongoexport);
    const out = join(dir, "users.ndjson");
    const result = await exportCommand(
      services,
      { config: sandbox.config(), quiet: true },
      { ...exportOptions(out), mongoexport },
    );
    const files = [result.paths.snapshot, result.paths.rejects, result.paths.manifest];
    if (existsSync(result.paths.unmatched)) files.push(result.paths.unmatched);
    for (const file of files) expect([file, modeOf(file)]).toEqual([file, 0o600]);
  });

  it("a snapshot file that already existed world-readable is narrowed by the export that replaces it", async () => {
    const dir = tempDir();
    const out = join(dir, "users.ndjson");
    writeFileSync(out, "", { mode: 0o644 });
    await exportCommand(services, { config: sandbox.config(), quiet: true }, exportOptions(out));
    expect(modeOf(out)).toBe(0o600);
  });

  it("the ledger (and its WAL), the directory file and the CSV files with their maps", async () => {
    const dir = tempDir();
    const snapshot = join(dir, "users.ndjson");
    await exportCommand(services, { config: sandbox.config(), quiet: true }, exportOptions(snapshot));
    const pool = await sandbox.newPool();
    const ledgerFile = join(dir, "ledger.db");
    await planCommand(
      services,
      { config: sandbox.config({ ledger: ledgerFile, userPoolId: pool.userPoolId }) },
      { snapshot, listPool: true },
    );
    for (const file of [ledgerFile, `${ledgerFile}-wal`].filter(existsSync))
      expect([file, modeOf(file)]).toEqual([file, 0o600]);
    expect(existsSync(ledgerFile)).toBe(true);

    const directory = join(dir, "directory.ndjson");
    await writeDirectoryFile(snapshot, directory);
    expect(modeOf(directory)).toBe(0o600);

    const ledger = plannedLedger(dir, [sourceUser(1), sourceUser(2)]);
    try {
      const csv = await writeCsvFiles({ ledger, header: POOL_CSV_HEADER, outDir: dir, username: "email" });
      expect(csv.files).toHaveLength(1);
      for (const file of [csv.files[0]!.file, csv.files[0]!.map]) expect(modeOf(file)).toBe(0o600);
    } finally {
      ledger.close();
    }
  });

  it("a ledger an older version left world-readable, with its WAL, is narrowed when opened", async () => {
    const dir = tempDir();
    const file = join(dir, "old.db");
    writeFileSync(file, "", { mode: 0o644 });
    writeFileSync(`${file}-wal`, "", { mode: 0o644 });
    ImportLedger.open(file).close();
    expect(modeOf(file)).toBe(0o600);
    if (existsSync(`${file}-wal`)) expect(modeOf(`${file}-wal`)).toBe(0o600);
  });

  it("the report written by `report --out`", async () => {
    const dir = tempDir();
    const ledgerFile = join(dir, "report.db");
    ImportLedger.open(ledgerFile).close();
    const out = join(dir, "report.html");
    const result = await runMain("--ledger", ledgerFile, "report", "--out", out);
    expect(result.code).toBe(0);
    expect(modeOf(out)).toBe(0o600);
  });
});
