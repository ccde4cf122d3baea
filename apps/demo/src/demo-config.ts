import { isMigrationMode, type MigrationMode } from "@realm-to-cognito/core";

/** What the demo server writes to `/demo-config.json`: where everything is, and the mode. */
export interface DemoConfig {
  readonly mode: MigrationMode;
  readonly realm: { readonly appId: string; readonly baseUrl: string };
  readonly cognito: { readonly endpoint: string; readonly region: string; readonly clientId: string };
  readonly migrationApi: { readonly baseUrl: string };
  /** Sandbox helpers: the emulator's outbox, and the demo server's view of cognito-local's codes. */
  readonly sandbox: { readonly outboxUrl: string; readonly cognitoCodeUrl: string };
  /** When phase 2 started, as the page shows it: "if you have not signed in since <switchDate>". */
  readonly switchDate: string;
}

export const DEMO_CONFIG_PATH = "/demo-config.json";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(record: unknown, key: string): string {
  const value = isRecord(record) ? record[key] : undefined;
  if (typeof value !== "string" || value === "") throw new Error(`demo config: "${key}" is missing`);
  return value;
}

/** Checks the JSON the page fetched; a broken config is a setup mistake worth a clear message. */
export function readDemoConfig(json: unknown): DemoConfig {
  if (!isRecord(json)) throw new Error("demo config: not an object");
  const mode = json.mode;
  if (!isMigrationMode(mode)) throw new Error(`demo config: unknown mode ${String(mode)}`);
  return {
    mode,
    realm: { appId: text(json.realm, "appId"), baseUrl: text(json.realm, "baseUrl") },
    cognito: {
      endpoint: text(json.cognito, "endpoint"),
      region: text(json.cognito, "region"),
      clientId: text(json.cognito, "clientId"),
    },
    migrationApi: { baseUrl: text(json.migrationApi, "baseUrl") },
    sandbox: {
      outboxUrl: text(json.sandbox, "outboxUrl"),
      cognitoCodeUrl: text(json.sandbox, "cognitoCodeUrl"),
    },
    switchDate: text(json, "switchDate"),
  };
}
