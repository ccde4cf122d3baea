// Test helpers: the sandbox's real servers (emulator, cognito-local) wired into a CLI configuration.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AppServicesEmulator,
  type CognitoLocal,
  createProductionShapedPool,
  startAppServicesEmulator,
  startCognitoLocal,
} from "@realm-to-cognito/sandbox";
import type { ImportOptions } from "../src/commands/import.js";
import { type Config, loadConfig } from "../src/config.js";

export interface CliSandbox {
  realm: AppServicesEmulator;
  cognito: CognitoLocal;
  dir: string;
  cognitoDir: string;
  env: Record<string, string>;
  newPool(): Promise<{ userPoolId: string; clientId: string }>;
  config(overrides?: {
    ledger?: string;
    userPoolId?: string;
    clientId?: string;
    flags?: Record<string, string | number | boolean>;
  }): Config;
  stop(): Promise<void>;
}

/** The CLI's environment for this emulator and cognito-local: the Realm app, its Admin API key, the endpoint. */
export function cliEnv(realm: AppServicesEmulator, cognito: CognitoLocal): Record<string, string> {
  return {
    REALM_APP_ID: realm.appId,
    REALM_BASE_URL: realm.baseUrl,
    REALM_GROUP_ID: realm.groupId,
    REALM_APP_OBJECT_ID: realm.appObjectId,
    REALM_ADMIN_PUBLIC_KEY: realm.apiKey.publicKey,
    REALM_ADMIN_PRIVATE_KEY: realm.apiKey.privateKey,
    COGNITO_ENDPOINT: cognito.endpoint,
    COGNITO_REGION: "us-east-1",
  };
}

export async function startCliSandbox(options: { users: number; seed?: number }): Promise<CliSandbox> {
  const dir = mkdtempSync(join(tmpdir(), "r2c-cli-"));
  const cognitoDir = mkdtempSync(join(tmpdir(), "r2c-cognito-"));
  const realm = await startAppServicesEmulator();
  await realm.seed({ count: options.users, seed: options.seed ?? 7 });
  const cognito = await startCognitoLocal({ dataDir: cognitoDir });
  const env = cliEnv(realm, cognito);
  return {
    realm,
    cognito,
    dir,
    cognitoDir,
    env,
    newPool: () =>
      createProductionShapedPool(cognito.client(), {
        userMigrationLambdaArn: "arn:aws:lambda:us-east-1:000000000000:function:realm-user-migration",
      }),
    config: (overrides = {}) =>
      loadConfig({
        env: {
          ...env,
          ...(overrides.userPoolId ? { COGNITO_USER_POOL_ID: overrides.userPoolId } : {}),
          ...(overrides.clientId ? { COGNITO_CLIENT_ID: overrides.clientId } : {}),
        },
        flags: {
          ledger: overrides.ledger ?? join(dir, `ledger-${Math.random().toString(36).slice(2)}.db`),
          "import.rate": 200,
          "import.setPasswordRate": 200,
          ...overrides.flags,
        },
      }),
    stop: async () => {
      await Promise.allSettled([realm.stop(), cognito.stop()]);
      rmSync(dir, { recursive: true, force: true });
      rmSync(cognitoDir, { recursive: true, force: true });
    },
  };
}

/** `import` with the admin-create engine for real, listing the pool first; `overrides` change that. */
export function adminCreateImport(
  snapshot: string,
  outDir: string,
  overrides: Partial<ImportOptions> = {},
): ImportOptions {
  return {
    snapshot,
    engine: "admin-create",
    dryRun: false,
    listPool: true,
    outDir,
    run: false,
    retryFailed: false,
    ...overrides,
  };
}
