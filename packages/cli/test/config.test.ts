import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { ConfigError } from "../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "r2c-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(content: unknown): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("loadConfig", () => {
  it("takes defaults, then the file, then the environment, then flags", () => {
    const config = loadConfig({
      file: file({ cognito: { userPoolId: "from-file", region: "eu-west-1" }, import: { rate: 10 } }),
      env: { COGNITO_USER_POOL_ID: "from-env" },
      flags: { "import.rate": 25 },
    });
    expect(config.cognito).toMatchObject({ userPoolId: "from-env", region: "eu-west-1" });
    expect(config.import).toMatchObject({ rate: 25, setPasswordRate: 20, concurrency: 16 });
    expect(config.policy).toEqual({
      includeDisabled: false,
      includePending: false,
      trustPendingEmails: false,
    });
  });

  it("refuses a secret in the file and names the variable to use instead", () => {
    expect(() => loadConfig({ file: file({ realm: { privateKey: "s3cret" } }) })).toThrow(
      /realm\.privateKey: secrets come only from the environment: set REALM_ADMIN_PRIVATE_KEY/,
    );
  });

  it("names the field that is wrong", () => {
    const attempt = () => loadConfig({ file: file({ import: { rate: -1 } }) });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^import\.rate: /);
    expect(() => loadConfig({ file: file({ cognito: { bogus: 1 } }) })).toThrow(/^cognito: /);
    expect(() => loadConfig({ env: { REALM_SKIP_LOCATION: "yes" } })).toThrow(/^REALM_SKIP_LOCATION: /);
    expect(() => loadConfig({ file: file("{not json") })).toThrow(/^--config: /);
  });

  it("does not quote a secret pasted without quotes when the file is not valid JSON", () => {
    const attempt = () => loadConfig({ file: file('{"realm": {"privateKey": k3y-SECRET-abcdefghij}}') });
    expect(attempt).toThrow(/^--config: .* is not valid JSON: Unexpected token 'k'$/);
    expect(attempt).not.toThrow(/SECRET/);
  });

  it("keeps secrets out of anything that prints or serialises the configuration", () => {
    const config = loadConfig({
      env: { REALM_ADMIN_PRIVATE_KEY: "very-secret-key", MONGODB_URI: "mongodb://u:pw@h/db" },
    });
    expect(config.secrets.realmAdminPrivateKey).toBe("very-secret-key");
    expect(JSON.stringify(config)).not.toContain("very-secret-key");
    expect(JSON.stringify(config)).not.toContain("pw@h");
    expect(Object.keys(config)).not.toContain("secrets");
  });

  it("refuses an attribute mapping onto an attribute Cognito or the toolkit owns", () => {
    expect(() => loadConfig({ file: file({ mapping: { sub: "id" } }) })).toThrow(/^mapping: /);
  });
});
