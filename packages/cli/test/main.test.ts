import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runMain, tempDir } from "./helpers.js";

const dir = tempDir("r2c-main-");
const run = runMain;

describe("the realm-to-cognito command line", () => {
  it("answers --help on every command with exit 0", async () => {
    for (const command of [
      "doctor",
      "export",
      "plan",
      "import",
      "verify",
      "status",
      "notify",
      "forecast",
      "report",
    ]) {
      const result = await run(command, "--help");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: realm-to-cognito ${command}`);
    }
  });

  it("exits 2 on bad usage and on a bad configuration, naming the problem", async () => {
    expect((await run("import", "--bogus")).code).toBe(2);
    expect((await run("import", "-s", "x.ndjson", "--engine", "carrier-pigeon")).code).toBe(2);
    const missing = await run("--config", join(dir, "nope.json"), "status", "--no-list-pool");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--config: cannot read/);
    const noPool = await run("--ledger", join(dir, "l.db"), "plan", "-s", join(dir, "s.ndjson"));
    expect(noPool.code).toBe(2);
    expect(noPool.stderr).toMatch(/cognito\.userPoolId: missing/);
  });

  it("says a wrong flag in one line and a hint to --help, exit 2, without the help text", async () => {
    for (const args of [
      ["doctor", "--bogus"],
      ["--bogus"],
      ["import", "-s", "x.ndjson", "--engine", "carrier-pigeon"],
      ["notify", "--no-such-flag"],
    ]) {
      const result = await run(...args);
      expect(result.code).toBe(2);
      const lines = result.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[1]).toMatch(/realm-to-cognito( \w+)? --help/);
      expect(result.stderr).not.toContain("Options:");
      expect(result.stdout).toBe("");
    }
  });

  it("prints status as JSON with --json and as a table without", async () => {
    const ledger = join(dir, "status.db");
    const json = await run("--ledger", ledger, "--json", "status", "--no-list-pool");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ledger: { total: 0, created: 0 }, pool: { total: 0 } });
    const table = await run("--ledger", ledger, "status", "--no-list-pool");
    expect(table.stdout).toMatch(/Imported, password not reset yet\s+0/);
    expect(table.stdout).toMatch(/^The ledger holds no users yet: run `realm-to-cognito plan` first\./);
  });

  it("exits 1 when the work fails, e.g. a snapshot that does not exist", async () => {
    const result = await run(
      "--ledger",
      join(dir, "v.db"),
      "--pool-id",
      "p",
      "verify",
      "-s",
      join(dir, "missing.ndjson"),
      "--no-list-pool",
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no snapshot at/);
  });

  it("refuses a second import on a ledger another live run holds, and takes over a lock its dead owner left", async () => {
    const ledger = join(dir, "locked.db");
    writeFileSync(
      `${ledger}.lock`,
      JSON.stringify({ pid: process.pid, command: "import", at: "2026-11-27T00:00:00Z" }),
    );
    const importArgs = ["--ledger", ledger, "--pool-id", "p", "import", "-s", join(dir, "none.ndjson")];
    const refused = await run(...importArgs, "--no-list-pool");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/another import \(pid \d+\) is using/);
    writeFileSync(
      `${ledger}.lock`,
      JSON.stringify({ pid: 2 ** 22 + 17, command: "import", at: "2026-11-27T00:00:00Z" }),
    );
    const taken = await run(...importArgs, "--no-list-pool");
    expect(taken.stderr).toMatch(/no snapshot at/);
    expect(existsSync(`${ledger}.lock`)).toBe(false);
  });
});
