// `npm run build` builds every package to JavaScript that plain node loads, without tsx.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LIBRARIES = ["core", "realm", "guard", "web", "sandbox", "cdk"];

describe("npm run build", () => {
  it("builds every library to dist/index.js that plain node imports", () => {
    // The libraries' own `npm run build` (the CLI's and the trigger's builds run in their own tests;
    // building the CLI here too would race the packaging test writing the same dist/main.js).
    const workspaces = LIBRARIES.flatMap((name) => ["-w", `packages/${name}`]);
    const built = spawnSync("npm", ["run", "build", ...workspaces], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(built.status, built.stderr).toBe(0);
    for (const name of LIBRARIES) {
      const entry = join(REPO_ROOT, "packages", name, "dist", "index.js");
      const loaded = spawnSync(
        process.execPath,
        ["--input-type=module", "-e", `await import(${JSON.stringify(entry)});`],
        {
          encoding: "utf8",
        },
      );
      expect(loaded.status, `${name}: ${loaded.stderr}`).toBe(0);
    }
  }, 120_000);
});
