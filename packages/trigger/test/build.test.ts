import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundles, type TriggerBundles } from "../src/build.js";

const run = promisify(execFile);
let outDir: string;
let bundles: TriggerBundles;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), "trigger-build-"));
  bundles = await buildBundles({ outDir });
});

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** The source files a bundle was made from, read from its source map. */
async function sourcesOf(bundle: string): Promise<string[]> {
  return (JSON.parse(await readFile(`${bundle}.map`, "utf8")) as { sources: string[] }).sources;
}

/** Imports a bundle in a fresh `node` with only `env`, and reports what happened. */
async function importInFreshNode(bundle: string, env: Record<string, string>) {
  const script = `import(${JSON.stringify(bundle)}).then((m) => console.log("handler:" + typeof m.handler), (e) => { console.log("failed:" + e.message); process.exitCode = 1; })`;
  const result = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH ?? "", ...env },
  }).catch((error: { stdout: string; stderr: string }) => error);
  return result.stdout.trim();
}

const ENV = { MIGRATION_MODE: "realm-primary", REALM_APP_ID: "myapp-abcde" };
const ENDPOINT_ENV = {
  ...ENV,
  COGNITO_USER_POOL_ID: "us-east-1_abc",
  AWS_ACCESS_KEY_ID: "x",
  AWS_SECRET_ACCESS_KEY: "y",
};

describe("buildBundles", () => {
  it("writes one minified ESM file with a source map per handler, at absolute paths", async () => {
    for (const bundle of Object.values(bundles)) {
      expect(path.isAbsolute(bundle)).toBe(true);
      expect(bundle.endsWith(".mjs")).toBe(true);
      expect((await stat(`${bundle}.map`)).size).toBeGreaterThan(0);
      const text = await readFile(bundle, "utf8");
      expect(text.length / text.split("\n").length).toBeGreaterThan(1000); // minified: few, long lines
      expect(text).toContain("sourceMappingURL=");
    }
  });

  it("keeps the AWS SDK out of the trigger bundle", async () => {
    const sources = await sourcesOf(bundles.userMigration);
    expect(sources.some((source) => source.includes("packages/trigger/src/migrate-from-realm.ts"))).toBe(
      true,
    );
    expect(sources.filter((source) => /@aws-sdk|@smithy|@aws-crypto/.test(source))).toEqual([]);
    expect(await readFile(bundles.userMigration, "utf8")).not.toMatch(
      /CognitoIdentityProvider|AWS4-HMAC-SHA256/,
    );
  });

  it("keeps the trigger within its 50 kB budget, with no pino and no CommonJS require", async () => {
    expect((await stat(bundles.userMigration)).size).toBeLessThan(50 * 1024);
    const sources = await sourcesOf(bundles.userMigration);
    expect(sources.filter((source) => /node_modules\/(pino|sonic-boom|thread-stream)/.test(source))).toEqual(
      [],
    );
    expect(await readFile(bundles.userMigration, "utf8")).not.toMatch(/createRequire|Dynamic require/);
  });

  it("logs pino-shaped lines naming the error class, though the bundle is minified", async () => {
    const script = `const { handler } = await import(${JSON.stringify(bundles.userMigration)}); await handler({ triggerSource: "UserMigration_Authentication" }).catch(() => {});`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH ?? "", ...ENV },
    });
    expect(JSON.parse(stdout)).toMatchObject({
      level: 50,
      outcome: "refused",
      reason: "invalid-event",
      err: { type: "InvalidEventError", code: "INVALID_EVENT" },
      msg: "migration refused",
    });
  });

  it("keeps the endpoint bundles within 80 kB: Cognito over fetch, signed with SigV4, no AWS SDK or @smithy", async () => {
    for (const bundle of [bundles.passwordResetRequested, bundles.resyncPassword, bundles.postConfirmation]) {
      expect((await stat(bundle)).size).toBeLessThan(80 * 1024);
      const sources = await sourcesOf(bundle);
      expect(sources.filter((source) => /@aws-sdk|@aws-crypto/.test(source))).toEqual([]);
      expect(sources.filter((source) => source.includes("@smithy/"))).toEqual([]);
      expect(sources.some((source) => source.includes("packages/trigger/src/sigv4.ts"))).toBe(true);
      expect(await readFile(bundle, "utf8")).toContain("AWS4-HMAC-SHA256");
    }
  });

  it("exports a handler from each bundle in a fresh process", async () => {
    expect(await importInFreshNode(bundles.userMigration, ENV)).toBe("handler:function");
    expect(await importInFreshNode(bundles.passwordResetRequested, ENDPOINT_ENV)).toBe("handler:function");
    expect(await importInFreshNode(bundles.resyncPassword, ENDPOINT_ENV)).toBe("handler:function");
    // The Post Confirmation trigger takes the pool from the event: no COGNITO_USER_POOL_ID needed.
    expect(await importInFreshNode(bundles.postConfirmation, ENV)).toBe("handler:function");
  });

  it("fails at cold start, naming the variable, when the configuration is wrong", async () => {
    expect(await importInFreshNode(bundles.userMigration, { ...ENV, REALM_TIMEOUT_MS: "later" })).toBe(
      "failed:REALM_TIMEOUT_MS: must be a whole number of milliseconds",
    );
    expect(await importInFreshNode(bundles.resyncPassword, ENV)).toBe(
      "failed:COGNITO_USER_POOL_ID: is required",
    );
  });
});

/** The Node built-in modules a bundle's import loads, beyond those an empty module's import loads. */
async function builtinsLoadedBy(bundle: string, env: Record<string, string>): Promise<string[]> {
  const empty = path.join(outDir, "empty.mjs");
  await writeFile(empty, "export const handler = async () => ({});\n");
  const script = `await import(${JSON.stringify(empty)}); const before = new Set(process.moduleLoadList); await import(${JSON.stringify(bundle)}); console.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith("NativeModule "))));`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  return JSON.parse(stdout) as string[];
}

describe("the bundles' cold start", () => {
  // node:crypto (with node:stream under it) was ~3 ms of each endpoint's import, more than its own code;
  // node:fs/promises ~0.25 ms of the trigger's, which reads files only with a snapshot directory.
  it("loads no Node built-in module beyond an empty module's when a bundle is imported", async () => {
    for (const bundle of [bundles.passwordResetRequested, bundles.resyncPassword])
      expect(await builtinsLoadedBy(bundle, ENDPOINT_ENV)).toEqual([]);
    expect(await builtinsLoadedBy(bundles.userMigration, ENV)).toEqual([]);
  });
});
