import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SandboxWorld, startSandboxWorld } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REHEARSAL_SEED, rehearse } from "../src/main.js";

describe("npm run demo, the rehearsal of a whole migration", () => {
  let world: SandboxWorld;
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "rehearsal-test-"));
    world = await startSandboxWorld({ mode: "realm-primary", seedUsers: 40, seed: REHEARSAL_SEED });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("walks phase 1 and phase 2 with every step behaving as expected", async () => {
    const rows = await rehearse(world, directory);
    const failures = rows.filter((row) => !row.ok).map((row) => `${row.title}: ${row.outcome}`);
    expect(failures).toEqual([]);
    expect(rows.map((row) => row.title)).toContain("Verify snapshot, ledger and pool");
    expect(rows.find((row) => row.title.startsWith("Import without passwords"))?.outcome).toMatch(
      /^\d+ created in Cognito, 0 failed$/,
    );
    // The pool hides user existence: imported users of both engines are refused as strangers and led into the reset.
    const resets = rows.filter((row) => row.outcome.includes("same answer as a stranger's"));
    expect(resets.map((row) => row.outcome.split(":")[0])).toEqual([
      expect.stringContaining("(admin-create engine)"),
      "csv-imported@example.com",
    ]);
    for (const row of resets)
      expect(row.outcome).toContain("if you have not signed in since 1 December 2026, reset your password");
  }, 120_000);
});
