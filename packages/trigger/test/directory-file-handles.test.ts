import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

describe("the directory file reader", () => {
  // Issue 16: `npm test` printed ~60 "Closing file descriptor N on garbage collection" warnings; each is
  // a FileHandle the reader left to the garbage collector, which a warm Lambda would leak.
  it("leaves no file handle to the garbage collector, on any path", async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      [
        "--expose-gc",
        "--trace-warnings",
        "--import",
        "tsx",
        path.join(here, "fixtures", "directory-lookups.ts"),
      ],
      { cwd: path.resolve(here, ".."), env: { ...process.env, NODE_OPTIONS: "" } },
    );
    const report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      found: number;
      warnings: string[];
    };
    expect(report.found).toBe(40);
    expect(report.warnings).toEqual([]);
    expect(stderr).not.toMatch(/file descriptor|DEP0137|FileHandle/);
  }, 60_000);
});
