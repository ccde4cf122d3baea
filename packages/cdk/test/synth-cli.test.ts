import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { MIGRATION_MODES } from "@realm-to-cognito/core";
import { describe, expect, it, onTestFinished } from "vitest";

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..", "..");

/**
 * Offline: no AWS credentials or Region, and every proxied or metadata request goes to a closed port, so a
 * synthesis that reached for AWS (a lookup, an asset publish, credentials) would fail or hang here.
 */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith("AWS_") || name.startsWith("CDK_")) delete env[name];
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    HTTP_PROXY: "http://127.0.0.1:9",
    HTTPS_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "",
  };
}

describe("npm run synth -- --mode <mode> --out <dir>", () => {
  it.each(MIGRATION_MODES)(
    "writes the example app's template for %s offline",
    async (mode) => {
      const out = await mkdtemp(path.join(tmpdir(), `cdk-synth-${mode}-`));
      onTestFinished(() => rm(out, { recursive: true, force: true }));
      await run("npm", ["run", "--silent", "synth", "--", "--mode", mode, "--out", out], {
        cwd: REPO_ROOT,
        env: offlineEnv(),
      });
      const files = (await readdir(out)).filter((name) => name.endsWith(".template.json"));
      expect(files).toEqual(["RealmToCognitoMigration.template.json"]);
      const template = JSON.parse(await readFile(path.join(out, files[0]!), "utf8")) as {
        Resources: Record<string, { Type: string; Properties?: { Environment?: { Variables?: object } } }>;
      };
      const types = Object.values(template.Resources).map((resource) => resource.Type);
      expect(types).toContain("AWS::Cognito::UserPool");
      expect(types.filter((type) => type === "AWS::Lambda::Function")).toHaveLength(
        mode === "realm-primary" ? 4 : 2,
      );
      expect(types.includes("AWS::ApiGatewayV2::Api")).toBe(mode === "realm-primary");
      for (const resource of Object.values(template.Resources))
        if (resource.Type === "AWS::Lambda::Function")
          expect(resource.Properties?.Environment?.Variables).toMatchObject({ MIGRATION_MODE: mode });
    },
    120_000,
  );

  it("refuses a missing or unknown mode with the usage line", async () => {
    const failure = await run(
      "npm",
      ["run", "--silent", "synth", "--", "--mode", "realm", "--out", tmpdir()],
      {
        cwd: REPO_ROOT,
        env: offlineEnv(),
      },
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain("--mode <realm-primary|cognito-primary> --out <dir>");
  }, 60_000);
});
