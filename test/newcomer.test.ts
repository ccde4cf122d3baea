// What a newcomer meets first on a fresh clone: the README's commands, npm's own messages, and the
// closing line of `npm test`. Each case runs the real command, as the README gives it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ChromiumMissingError, chromiumLaunchOptions } from "@realm-to-cognito/sandbox";
import { afterAll, describe, expect, it } from "vitest";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const NODE_WARNING_LINE = /^\(node:\d+\) \S*Warning/m;

/** A child's environment as a newcomer's shell has it: without the variable vitest sets for its tests. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  delete env.VITEST;
  delete env.VITEST_WORKER_ID;
  delete env.VITEST_POOL_ID;
  delete env.NODE_ENV;
  return env;
}

describe("npm run demo, as the README gives it", () => {
  it("prints its table and not one Node warning (the SDK's Node 22 notice printed three times)", () => {
    const demo = spawnSync("npm", ["run", "demo"], { cwd: REPO_ROOT, env: newcomerEnv(), encoding: "utf8" });
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/All \d+ steps behaved as expected/);
    expect(`${demo.stdout}\n${demo.stderr}`).not.toMatch(NODE_WARNING_LINE);
  }, 120_000);
});

describe("npm's own messages", () => {
  it("shows npm's error for a script a workspace folder does not have (loglevel=silent hid it)", () => {
    const run = spawnSync("npm", ["run", "demo"], {
      cwd: join(REPO_ROOT, "packages", "core"),
      env: newcomerEnv(),
      encoding: "utf8",
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("Missing script");
  }, 60_000);

  describe("npm run sandbox -- --json", () => {
    let sandbox: ChildProcess | undefined;

    afterAll(() => {
      if (sandbox?.pid && sandbox.exitCode === null) process.kill(-sandbox.pid, "SIGKILL");
    });

    it("still prints the world's description as its first JSON line", async () => {
      sandbox = spawn("npm", ["run", "sandbox", "--", "--json", "--seed-users", "5"], {
        cwd: REPO_ROOT,
        env: newcomerEnv(),
        detached: true,
        stdio: ["ignore", "pipe", "ignore"],
      });
      const firstJsonLine = await new Promise<string>((resolve, reject) => {
        const reader = createInterface({ input: sandbox?.stdout as NodeJS.ReadableStream });
        reader.on("line", (line) => {
          if (line.startsWith("{")) resolve(line);
        });
        sandbox?.once("exit", () => reject(new Error("the sandbox exited before printing JSON")));
      });
      expect(Object.keys(JSON.parse(firstJsonLine))).toEqual(["realm", "cognito", "lambda", "users"]);
    }, 60_000);
  });
});

describe("the closing line of npm test", () => {
  it("counts a test file that fails before its tests (Chromium missing) as failed and names its error", async () => {
    const fixture = await mkdtemp(join(tmpdir(), "summary-line-"));
    try {
      await writeFile(
        join(fixture, "setup-fails.test.ts"),
        'import { beforeAll, it } from "vitest";\n' +
          'beforeAll(() => { throw new Error("No Chromium at /nowhere"); });\n' +
          'it("one", () => {});\nit("two", () => {});\n',
      );
      await writeFile(join(fixture, "fine.test.ts"), 'import { it } from "vitest";\nit("fine", () => {});\n');
      const run = spawnSync(
        join(REPO_ROOT, "node_modules", ".bin", "vitest"),
        ["run", "--root", fixture, "--reporter", join(REPO_ROOT, "vitest-summary-reporter.ts")],
        { cwd: REPO_ROOT, env: newcomerEnv(), encoding: "utf8" },
      );
      expect(run.status).not.toBe(0);
      expect(run.stdout).toContain("failed outside its tests: setup-fails.test.ts: No Chromium at /nowhere");
      expect(run.stdout).toMatch(/^tests: 1 passed, 1 failed, 2 skipped$/m);
    } finally {
      await rm(fixture, { recursive: true, force: true });
    }
  }, 60_000);

  it("says how to get Chromium when there is none", () => {
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = "/nowhere/chromium";
    try {
      expect(() => chromiumLaunchOptions()).toThrowError(ChromiumMissingError);
      expect(() => chromiumLaunchOptions()).toThrowError(/apt-get install chromium.*CHROMIUM_PATH/);
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
  });
});
