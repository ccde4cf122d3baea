// The CLI installs like a real command: built, packed with npm pack, installed into an empty folder,
// run through node_modules/.bin with plain node (no tsx, no workspace).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const cliDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const version = (JSON.parse(readFileSync(join(cliDir, "package.json"), "utf8")) as { version: string })
  .version;
let folder = "";

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const bin = join(folder, "node_modules/.bin/realm-to-cognito");
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _ignored, ...rest } = process.env;
  return spawnSync(bin, args, { cwd: folder, encoding: "utf8", env: { ...rest, ...env } });
}

describe("the packed CLI", () => {
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "rtc-pack-"));
    execFileSync("npx", ["tsx", "build.ts"], { cwd: cliDir, stdio: "pipe" });
    const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", folder], {
      cwd: cliDir,
      encoding: "utf8",
    });
    const tarball = packed.trim().split("\n").at(-1) ?? "";
    writeFileSync(join(folder, "package.json"), JSON.stringify({ name: "operator", private: true }));
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", `./${tarball}`], {
      cwd: folder,
      stdio: "pipe",
    });
  }, 240_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("prints its help", () => {
    const result = run(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Usage: realm-to-cognito");
  });

  it("prints its version", () => {
    const result = run(["--version"]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  // A command that builds a Cognito client (the SDK prints its notice then), against a closed port.
  const doctorEnv = {
    COGNITO_USER_POOL_ID: "us-east-1_abcdefghi",
    COGNITO_REGION: "us-east-1",
    COGNITO_ENDPOINT: "http://127.0.0.1:9",
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "example-secret",
  };

  it("keeps the AWS SDK's Node-version notice from the operator", () => {
    const result = run(["doctor"], doctorEnv);
    expect(result.stdout).toContain("DescribeUserPool");
    expect(result.stderr).not.toMatch(/\(node:\d+\)/);
  });

  it("control: the same command run around the bin prints the notice", () => {
    const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _ignored, ...rest } = process.env;
    const main = join(folder, "node_modules/@realm-to-cognito/cli/dist/main.js");
    const script = `const m = await import(${JSON.stringify(main)}); await m.runAsCommand(["node", "cli", "doctor"]);`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: folder,
      encoding: "utf8",
      env: { ...rest, ...doctorEnv },
    });
    expect(result.stderr).toMatch(/NodeVersionSupportWarning/);
  });
});
