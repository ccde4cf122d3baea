import { COGNITO_DEFAULT_PASSWORD_POLICY } from "@realm-to-cognito/core";
import { describe, expect, it } from "vitest";
import { loadTriggerConfig, requireCognitoPool } from "../src/config.js";
import { TriggerConfigError } from "../src/errors.js";

const MINIMAL = { MIGRATION_MODE: "realm-primary", REALM_APP_ID: "myapp-abcde" };

function configError(env: Record<string, string | undefined>): TriggerConfigError {
  try {
    loadTriggerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(TriggerConfigError);
    return error as TriggerConfigError;
  }
  throw new Error("the configuration was accepted");
}

describe("loadTriggerConfig", () => {
  it("fills the documented defaults from the two required variables", () => {
    const config = loadTriggerConfig(MINIMAL);
    expect(config).toMatchObject({
      mode: "realm-primary",
      realm: { appId: "myapp-abcde", baseUrl: undefined, skipLocation: false, timeoutMs: 3500 },
      mongoIdField: "_id",
      attributeMapping: {},
      passwordPolicy: COGNITO_DEFAULT_PASSWORD_POLICY,
      directory: { kind: "none" },
      logLevel: "info",
    });
  });

  it("defaults the reset to scramble and pads endpoint answers, with every Cognito call under a deadline", () => {
    expect(loadTriggerConfig(MINIMAL)).toMatchObject({
      cognito: { timeoutMs: 2000 },
      endpoint: { onResetRequest: "scramble", responseMs: 3000 },
    });
    expect(
      loadTriggerConfig({
        ...MINIMAL,
        ON_RESET_REQUEST: "delete",
        COGNITO_TIMEOUT_MS: "900",
        ENDPOINT_RESPONSE_MS: "2500",
      }),
    ).toMatchObject({
      cognito: { timeoutMs: 900 },
      endpoint: { onResetRequest: "delete", responseMs: 2500 },
    });
    expect(configError({ ...MINIMAL, ON_RESET_REQUEST: "wipe" }).message).toBe(
      "ON_RESET_REQUEST: must be one of scramble, delete",
    );
    expect(configError({ ...MINIMAL, ENDPOINT_RESPONSE_MS: "soon" }).variable).toBe("ENDPOINT_RESPONSE_MS");
    expect(configError({ ...MINIMAL, COGNITO_TIMEOUT_MS: "0" }).variable).toBe("COGNITO_TIMEOUT_MS");
  });

  it("makes re-sync wait out App Services' 30-minute reset link by default; 0 turns the wait off", () => {
    expect(loadTriggerConfig(MINIMAL).endpoint.resetTokenLifetimeMs).toBe(30 * 60_000);
    expect(
      loadTriggerConfig({ ...MINIMAL, RESET_TOKEN_LIFETIME_MS: "3600000" }).endpoint.resetTokenLifetimeMs,
    ).toBe(3_600_000);
    expect(
      loadTriggerConfig({ ...MINIMAL, RESET_TOKEN_LIFETIME_MS: "0" }).endpoint.resetTokenLifetimeMs,
    ).toBe(0);
    expect(configError({ ...MINIMAL, RESET_TOKEN_LIFETIME_MS: "30m" }).message).toBe(
      "RESET_TOKEN_LIFETIME_MS: must be a whole number of milliseconds",
    );
    expect(configError({ ...MINIMAL, RESET_TOKEN_LIFETIME_MS: String(8 * 24 * 3_600_000) }).variable).toBe(
      "RESET_TOKEN_LIFETIME_MS",
    );
  });

  it("reads every setting", () => {
    const config = loadTriggerConfig({
      ...MINIMAL,
      MIGRATION_MODE: "cognito-primary",
      REALM_BASE_URL: "http://127.0.0.1:9090",
      REALM_SKIP_LOCATION: "true",
      REALM_TIMEOUT_MS: "1200",
      MONGO_ID_FIELD: "profile_id",
      ATTRIBUTE_MAPPING: '{"custom:plan":"plan"}',
      PASSWORD_POLICY: '{"minimumLength":12,"requireSymbols":false}',
      USER_DIRECTORY: "admin-api",
      REALM_GROUP_ID: "g",
      REALM_APP_OBJECT_ID: "a",
      REALM_ADMIN_PUBLIC_KEY: "pub",
      REALM_ADMIN_PRIVATE_KEY: "priv",
      COGNITO_USER_POOL_ID: "eu-west-1_abc",
      LOG_LEVEL: "warn",
    });
    expect(config.realm).toEqual({
      appId: "myapp-abcde",
      baseUrl: "http://127.0.0.1:9090",
      skipLocation: true,
      timeoutMs: 1200,
    });
    expect(config.passwordPolicy).toEqual({
      ...COGNITO_DEFAULT_PASSWORD_POLICY,
      minimumLength: 12,
      requireSymbols: false,
    });
    expect(config.directory).toEqual({
      kind: "admin-api",
      admin: {
        baseUrl: "http://127.0.0.1:9090",
        groupId: "g",
        appObjectId: "a",
        publicKey: "pub",
        privateKey: { from: "environment", value: "priv" },
      },
    });
    expect(requireCognitoPool(config)).toEqual({ userPoolId: "eu-west-1_abc", region: "eu-west-1" });
  });

  it("reads the Admin API private key's place in Secrets Manager, with the extension's port", () => {
    const admin = {
      ...MINIMAL,
      MIGRATION_MODE: "cognito-primary",
      USER_DIRECTORY: "admin-api",
      REALM_GROUP_ID: "g",
      REALM_APP_OBJECT_ID: "a",
      REALM_ADMIN_PUBLIC_KEY: "pub",
      REALM_ADMIN_PRIVATE_KEY_SECRET:
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:realm-admin-AbCdEf",
    };
    const directory = (env: Record<string, string>) => {
      const config = loadTriggerConfig(env).directory;
      return config.kind === "admin-api" ? config.admin.privateKey : undefined;
    };
    expect(directory(admin)).toEqual({
      from: "secrets-manager",
      secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:realm-admin-AbCdEf",
      extensionPort: 2773,
    });
    expect(directory({ ...admin, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: "2999" })).toMatchObject({
      extensionPort: 2999,
    });
    const both = configError({ ...admin, REALM_ADMIN_PRIVATE_KEY: "a-real-private-key-value" });
    expect(both.variable).toBe("REALM_ADMIN_PRIVATE_KEY_SECRET");
    expect(both.message).toContain("keep one");
    expect(both.message).not.toContain("a-real-private-key-value");
    const { REALM_ADMIN_PRIVATE_KEY_SECRET: _, ...neither } = admin;
    expect(configError(neither).message).toBe(
      "REALM_ADMIN_PRIVATE_KEY_SECRET: is required when USER_DIRECTORY=admin-api (or REALM_ADMIN_PRIVATE_KEY)",
    );
    expect(configError({ ...admin, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: "99999" }).variable).toBe(
      "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
    );
  });

  it.each([
    [{ REALM_APP_ID: "x" }, "MIGRATION_MODE", "is required"],
    [{ ...MINIMAL, MIGRATION_MODE: "phase-1" }, "MIGRATION_MODE", "realm-primary, cognito-primary"],
    [{ MIGRATION_MODE: "realm-primary" }, "REALM_APP_ID", "is required"],
    [{ ...MINIMAL, REALM_TIMEOUT_MS: "soon" }, "REALM_TIMEOUT_MS", "milliseconds"],
    [{ ...MINIMAL, REALM_TIMEOUT_MS: "9000" }, "REALM_TIMEOUT_MS", "1..4900"],
    [{ ...MINIMAL, REALM_BASE_URL: "not a url" }, "REALM_BASE_URL", "URL"],
    [{ ...MINIMAL, REALM_SKIP_LOCATION: "yes" }, "REALM_SKIP_LOCATION", '"true" or "false"'],
    [{ ...MINIMAL, ATTRIBUTE_MAPPING: "{" }, "ATTRIBUTE_MAPPING", "not valid JSON"],
    [{ ...MINIMAL, ATTRIBUTE_MAPPING: '{"sub":"id"}' }, "ATTRIBUTE_MAPPING", "sub"],
    [{ ...MINIMAL, PASSWORD_POLICY: '{"minimumLength":2}' }, "PASSWORD_POLICY", "minimumLength"],
    [{ ...MINIMAL, USER_DIRECTORY: "ldap" }, "USER_DIRECTORY", "admin-api, snapshot, none"],
    [{ ...MINIMAL, USER_DIRECTORY: "snapshot" }, "USER_SNAPSHOT_FILE", "USER_DIRECTORY=snapshot"],
    [{ ...MINIMAL, USER_DIRECTORY: "admin-api", REALM_GROUP_ID: "g" }, "REALM_APP_OBJECT_ID", "admin-api"],
    [{ ...MINIMAL, LOG_LEVEL: "loud" }, "LOG_LEVEL", "info"],
    [{ ...MINIMAL, REALM_TIMEOUT_MS: "0" }, "REALM_TIMEOUT_MS", "1..4900"],
    [{ ...MINIMAL, REALM_TIMEOUT_MS: "1.5" }, "REALM_TIMEOUT_MS", "milliseconds"],
    [{ ...MINIMAL, REALM_BASE_URL: "ftp://example.com" }, "REALM_BASE_URL", "http(s) URL"],
    [{ ...MINIMAL, COGNITO_ENDPOINT: "localhost:9229" }, "COGNITO_ENDPOINT", "http(s) URL"],
    [{ ...MINIMAL, ATTRIBUTE_MAPPING: '["custom:plan"]' }, "ATTRIBUTE_MAPPING", "JSON object"],
    [{ ...MINIMAL, ATTRIBUTE_MAPPING: '{"custom:plan":""}' }, "ATTRIBUTE_MAPPING", "JSON object"],
    [{ ...MINIMAL, ATTRIBUTE_MAPPING: '{"":"plan"}' }, "ATTRIBUTE_MAPPING", "JSON object"],
    [{ ...MINIMAL, ATTRIBUTE_MAPPING: '{"custom:plan":1}' }, "ATTRIBUTE_MAPPING", "JSON object"],
    [{ ...MINIMAL, PASSWORD_POLICY: '{"minimumLength":8.5}' }, "PASSWORD_POLICY", "minimumLength"],
    [{ ...MINIMAL, PASSWORD_POLICY: '{"minimumLength":"12"}' }, "PASSWORD_POLICY", "minimumLength"],
    [{ ...MINIMAL, PASSWORD_POLICY: '{"minimumLength":100}' }, "PASSWORD_POLICY", "minimumLength"],
    [{ ...MINIMAL, PASSWORD_POLICY: '{"requireSymbols":"yes"}' }, "PASSWORD_POLICY", "requireSymbols"],
    [{ ...MINIMAL, PASSWORD_POLICY: '{"maximumLength":20}' }, "PASSWORD_POLICY", "maximumLength"],
  ])("names the variable when it is wrong: %o", (env, variable, hint) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).toContain(hint);
  });

  it("trims URLs and accepts the policy's bounds", () => {
    const config = loadTriggerConfig({
      ...MINIMAL,
      REALM_BASE_URL: " https://realm.example.com ",
      PASSWORD_POLICY: '{"minimumLength":6}',
      ATTRIBUTE_MAPPING: '{"custom:plan":"plan","custom:tier":"tier"}',
    });
    expect(config.realm.baseUrl).toBe("https://realm.example.com");
    expect(config.passwordPolicy.minimumLength).toBe(6);
    expect(config.attributeMapping).toEqual({ "custom:plan": "plan", "custom:tier": "tier" });
    expect(
      loadTriggerConfig({ ...MINIMAL, PASSWORD_POLICY: '{"minimumLength":99}' }).passwordPolicy,
    ).toMatchObject({ minimumLength: 99 });
  });

  it("never echoes a secret value in its message", () => {
    const error = configError({
      ...MINIMAL,
      USER_DIRECTORY: "admin-api",
      REALM_GROUP_ID: "g",
      REALM_APP_OBJECT_ID: "a",
      REALM_ADMIN_PUBLIC_KEY: "pub",
      REALM_ADMIN_PRIVATE_KEY: "",
      REALM_ADMIN_BASE_URL: "secret-private-key-in-the-wrong-place",
    });
    expect(error.message).not.toContain("secret-private-key");
  });

  it("asks for the pool only where a pool is needed", () => {
    expect(() => requireCognitoPool(loadTriggerConfig(MINIMAL))).toThrow(
      /^COGNITO_USER_POOL_ID: is required/,
    );
  });
});
