import {
  type AttributeMapping,
  COGNITO_DEFAULT_PASSWORD_POLICY,
  checkAttributeMapping,
  MIGRATION_MODES,
  type MigrationMode,
  MONGO_ID_ATTRIBUTE,
  type PasswordPolicy,
  REALM_USER_ID_ATTRIBUTE,
} from "@realm-to-cognito/core";
import * as z from "zod/mini";
import { TriggerConfigError } from "./errors.js";
import { MIGRATION_STATE_ATTRIBUTE } from "./migration-state.js";
import { DEFAULT_EXTENSION_PORT } from "./secrets.js";

/** Cognito gives a trigger 5 s in all; the Realm call must leave room for cold start and the answer. */
export const DEFAULT_REALM_TIMEOUT_MS = 3500;
const MAX_REALM_TIMEOUT_MS = 4900;

/** Each Cognito call of an endpoint; the whole request is also bounded by ENDPOINT_RESPONSE_MS. */
export const DEFAULT_COGNITO_TIMEOUT_MS = 2000;
/**
 * Every endpoint answer that concerns a user is sent this long after the request arrived, never earlier,
 * and the work is cut off before it: the answer's timing tells nothing about the user. The endpoint
 * Lambda's timeout must exceed it (by a second or more).
 */
export const DEFAULT_ENDPOINT_RESPONSE_MS = 3000;
const MAX_ENDPOINT_RESPONSE_MS = 20_000;

/**
 * How long Realm accepts a reset link (App Services: 30 minutes). Re-sync refuses a user marked `stale`
 * until this long after the reset request: inside it the password Realm accepts may be the one the reset
 * replaces (a leaked one). Set it to your server's reset-token lifetime, never below.
 */
export const DEFAULT_RESET_TOKEN_LIFETIME_MS = 30 * 60 * 1000;
const MAX_RESET_TOKEN_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** What `POST /password-reset-requested` does to a phase-1 Cognito user: `scramble` by default (keeps `sub`), `delete` as the seed did. */
export const RESET_ACTIONS = ["scramble", "delete"] as const;
export type ResetAction = (typeof RESET_ACTIONS)[number];

/**
 * Every variable the handlers read, for deployments that set them (packages/cdk): the names are
 * defined here and nowhere else.
 */
export const ENVIRONMENT_VARIABLES = {
  mode: "MIGRATION_MODE",
  realmAppId: "REALM_APP_ID",
  realmBaseUrl: "REALM_BASE_URL",
  realmSkipLocation: "REALM_SKIP_LOCATION",
  realmTimeoutMs: "REALM_TIMEOUT_MS",
  mongoIdField: "MONGO_ID_FIELD",
  attributeMapping: "ATTRIBUTE_MAPPING",
  passwordPolicy: "PASSWORD_POLICY",
  userDirectory: "USER_DIRECTORY",
  realmAdminBaseUrl: "REALM_ADMIN_BASE_URL",
  realmGroupId: "REALM_GROUP_ID",
  realmAppObjectId: "REALM_APP_OBJECT_ID",
  realmAdminPublicKey: "REALM_ADMIN_PUBLIC_KEY",
  realmAdminPrivateKey: "REALM_ADMIN_PRIVATE_KEY",
  realmAdminPrivateKeySecret: "REALM_ADMIN_PRIVATE_KEY_SECRET",
  secretsExtensionPort: "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
  userSnapshotFile: "USER_SNAPSHOT_FILE",
  cognitoUserPoolId: "COGNITO_USER_POOL_ID",
  cognitoRegion: "COGNITO_REGION",
  cognitoEndpoint: "COGNITO_ENDPOINT",
  cognitoClientId: "COGNITO_CLIENT_ID",
  cognitoTimeoutMs: "COGNITO_TIMEOUT_MS",
  onResetRequest: "ON_RESET_REQUEST",
  endpointResponseMs: "ENDPOINT_RESPONSE_MS",
  rateLimitMaxKeys: "RATE_LIMIT_MAX_KEYS",
  resetTokenLifetimeMs: "RESET_TOKEN_LIFETIME_MS",
  logLevel: "LOG_LEVEL",
} as const;

export const USER_DIRECTORIES = ["admin-api", "snapshot", "none"] as const;
export type UserDirectoryKind = (typeof USER_DIRECTORIES)[number];
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RealmAdminConfig {
  readonly baseUrl: string | undefined;
  readonly groupId: string;
  readonly appObjectId: string;
  readonly publicKey: string;
  /** The private key itself, or where Secrets Manager keeps it (read at first use, not at cold start). */
  readonly privateKey:
    | { readonly from: "environment"; readonly value: string }
    | { readonly from: "secrets-manager"; readonly secretId: string; readonly extensionPort: number };
}

export type DirectoryConfig =
  | { readonly kind: "none" }
  | { readonly kind: "admin-api"; readonly admin: RealmAdminConfig }
  | { readonly kind: "snapshot"; readonly file: string };

export interface CognitoConfig {
  readonly userPoolId: string | undefined;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  /** When set, resync first tries the password (ADMIN_USER_PASSWORD_AUTH) to answer "unchanged". */
  readonly clientId: string | undefined;
  /** Deadline of each Cognito call. */
  readonly timeoutMs: number;
}

/** The two phase-1 endpoints' own settings. */
export interface EndpointConfig {
  readonly onResetRequest: ResetAction;
  /** Minimum (and target) latency of every answer about a user; the work is cut off before it. */
  readonly responseMs: number;
  /** Keys each rate limiter holds at most (memory bound per container). */
  readonly rateLimitMaxKeys: number;
  /** Re-sync refuses a `stale` user until this long after the reset request (Realm's reset-link lifetime). */
  readonly resetTokenLifetimeMs: number;
}

/** Everything the handlers read from the environment, validated once at cold start. */
export interface TriggerConfig {
  readonly mode: MigrationMode;
  readonly realm: {
    readonly appId: string;
    readonly baseUrl: string | undefined;
    readonly skipLocation: boolean;
    readonly timeoutMs: number;
  };
  readonly mongoIdField: string;
  readonly attributeMapping: AttributeMapping;
  readonly passwordPolicy: PasswordPolicy;
  readonly directory: DirectoryConfig;
  readonly cognito: CognitoConfig;
  readonly endpoint: EndpointConfig;
  readonly logLevel: LogLevel;
}

// Built when the configuration is read, not when the module loads, and only for the variables that are
// set (plus the required ones): constructing a zod/mini schema costs CPU at cold start (issue 12 budgets
// it at 1.5x an empty module's import), and the two dozen optional ones a deployment leaves unset can
// only pass. For the same budget (bundle bytes) the schemas keep to zod's basic types and checks; URLs,
// numbers and defaults are refinements and code.
const text = () => z.string().check(z.trim(), z.minLength(1, "must not be empty"));
const optionalText = () => z.optional(text());
const optionalUrl = () =>
  z.optional(z.string().check(z.trim(), z.refine(isHttpUrl, "must be an http(s) URL")));
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, message?: string) =>
  z.enum(values, message ?? `must be one of ${values.join(", ")}`);

/** Each variable's schema, in the order its problems are reported; z.object leaves the rest out. */
const VARIABLE_SCHEMAS = {
  MIGRATION_MODE: () => oneOf(MIGRATION_MODES),
  REALM_APP_ID: text,
  REALM_BASE_URL: optionalUrl,
  REALM_SKIP_LOCATION: () => z.optional(oneOf(["true", "false"], 'must be "true" or "false"')),
  REALM_TIMEOUT_MS: () => milliseconds(MAX_REALM_TIMEOUT_MS),
  MONGO_ID_FIELD: optionalText,
  ATTRIBUTE_MAPPING: optionalText,
  PASSWORD_POLICY: optionalText,
  USER_DIRECTORY: () => z.optional(oneOf(USER_DIRECTORIES)),
  REALM_ADMIN_BASE_URL: optionalUrl,
  REALM_GROUP_ID: optionalText,
  REALM_APP_OBJECT_ID: optionalText,
  REALM_ADMIN_PUBLIC_KEY: optionalText,
  REALM_ADMIN_PRIVATE_KEY: optionalText,
  REALM_ADMIN_PRIVATE_KEY_SECRET: optionalText,
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: () =>
    z.optional(
      z.string().check(
        z.regex(/^\d+$/, "must be a port number"),
        z.refine((port) => Number(port) >= 1 && Number(port) <= 65535, "must be 1..65535"),
      ),
    ),
  USER_SNAPSHOT_FILE: optionalText,
  COGNITO_USER_POOL_ID: optionalText,
  COGNITO_REGION: optionalText,
  COGNITO_ENDPOINT: optionalUrl,
  COGNITO_CLIENT_ID: optionalText,
  COGNITO_TIMEOUT_MS: () => milliseconds(MAX_ENDPOINT_RESPONSE_MS),
  ON_RESET_REQUEST: () => z.optional(oneOf(RESET_ACTIONS)),
  ENDPOINT_RESPONSE_MS: () => milliseconds(MAX_ENDPOINT_RESPONSE_MS),
  RATE_LIMIT_MAX_KEYS: () =>
    z.optional(
      z.string().check(
        z.regex(/^\d+$/, "must be a whole number"),
        z.refine((keys) => Number(keys) >= 10 && Number(keys) <= 1_000_000, "must be 10..1000000"),
      ),
    ),
  // 0 turns the wait off: only for a sandbox whose tests heal right after a completed reset.
  RESET_TOKEN_LIFETIME_MS: () =>
    z.optional(
      z.string().check(
        z.regex(/^\d+$/, "must be a whole number of milliseconds"),
        z.refine(
          (ms) => Number(ms) <= MAX_RESET_TOKEN_LIFETIME_MS,
          `must be 0..${MAX_RESET_TOKEN_LIFETIME_MS}`,
        ),
      ),
    ),
  LOG_LEVEL: () => z.optional(oneOf(LOG_LEVELS)),
};
type VariableSchemas = { [K in keyof typeof VARIABLE_SCHEMAS]: ReturnType<(typeof VARIABLE_SCHEMAS)[K]> };
const REQUIRED_VARIABLES: ReadonlySet<string> = new Set(["MIGRATION_MODE", "REALM_APP_ID"]);

/** The environment's schema: every variable that is set or required (an unset optional one passes). */
function environmentSchema(present: Readonly<Record<string, unknown>>) {
  const shape: Partial<Record<string, z.core.$ZodType>> = {};
  for (const [name, schema] of Object.entries(VARIABLE_SCHEMAS))
    if (REQUIRED_VARIABLES.has(name) || Object.hasOwn(present, name)) shape[name] = schema();
  // The shape holds a subset of VariableSchemas, and every variable left out is optional and unset.
  return z.object(shape as VariableSchemas);
}

function milliseconds(max: number) {
  return z.optional(
    z.string().check(
      z.regex(/^\d+$/, "must be a whole number of milliseconds"),
      z.refine((ms) => Number(ms) >= 1 && Number(ms) <= max, `must be 1..${max}`),
    ),
  );
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

type Environment = z.infer<ReturnType<typeof environmentSchema>>;

/**
 * Reads and checks the handlers' settings. Empty variables count as unset. A bad value throws
 * TriggerConfigError naming the variable, never echoing its value (some are secrets).
 * @example const config = loadTriggerConfig(process.env);
 */
export function loadTriggerConfig(env: Readonly<Record<string, string | undefined>>): TriggerConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = z.safeParse(environmentSchema(present), present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? "environment");
    const missing = present[variable] === undefined;
    throw new TriggerConfigError(variable, missing ? "is required" : (issue?.message ?? "is invalid"));
  }
  const vars = parsed.data;
  return {
    mode: vars.MIGRATION_MODE,
    realm: {
      appId: vars.REALM_APP_ID,
      baseUrl: vars.REALM_BASE_URL,
      skipLocation: vars.REALM_SKIP_LOCATION === "true",
      timeoutMs: numberOr(vars.REALM_TIMEOUT_MS, DEFAULT_REALM_TIMEOUT_MS),
    },
    mongoIdField: vars.MONGO_ID_FIELD ?? "_id",
    attributeMapping: readAttributeMapping(vars.ATTRIBUTE_MAPPING),
    passwordPolicy: readPasswordPolicy(vars.PASSWORD_POLICY),
    directory: readDirectory(vars),
    cognito: {
      userPoolId: vars.COGNITO_USER_POOL_ID,
      region: vars.COGNITO_REGION,
      endpoint: vars.COGNITO_ENDPOINT,
      clientId: vars.COGNITO_CLIENT_ID,
      timeoutMs: numberOr(vars.COGNITO_TIMEOUT_MS, DEFAULT_COGNITO_TIMEOUT_MS),
    },
    endpoint: {
      onResetRequest: vars.ON_RESET_REQUEST ?? "scramble",
      responseMs: numberOr(vars.ENDPOINT_RESPONSE_MS, DEFAULT_ENDPOINT_RESPONSE_MS),
      rateLimitMaxKeys: numberOr(vars.RATE_LIMIT_MAX_KEYS, 10_000),
      resetTokenLifetimeMs: numberOr(vars.RESET_TOKEN_LIFETIME_MS, DEFAULT_RESET_TOKEN_LIFETIME_MS),
    },
    logLevel: vars.LOG_LEVEL ?? "info",
  };
}

function numberOr(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}

/** The endpoints need a pool; the trigger does not. Fails naming the first missing variable. */
export function requireCognitoPool(config: TriggerConfig): { userPoolId: string; region: string } {
  const { userPoolId, region } = config.cognito;
  if (userPoolId === undefined) throw new TriggerConfigError("COGNITO_USER_POOL_ID", "is required");
  const poolRegion = region ?? userPoolId.split("_")[0];
  if (!poolRegion) throw new TriggerConfigError("COGNITO_REGION", "is required");
  return { userPoolId, region: poolRegion };
}

function readJson(variable: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new TriggerConfigError(variable, "is not valid JSON");
  }
}

/**
 * The toolkit's own attributes: the app finds a user's data by the ids, and the phase-1 endpoints trust
 * the marker. A mapping from the user data document (often the user's to edit) must never set them.
 */
const BACKEND_OWNED_ATTRIBUTES = new Set([
  REALM_USER_ID_ATTRIBUTE,
  MONGO_ID_ATTRIBUTE,
  MIGRATION_STATE_ATTRIBUTE,
]);

// An object of non-empty strings under non-empty names.
const mappingSchema = () =>
  z
    .catchall(z.object({}), z.string().check(z.minLength(1)))
    .check(z.refine((mapping) => !Object.hasOwn(mapping, ""), "an attribute name is empty"));

function readAttributeMapping(raw: string | undefined): AttributeMapping {
  if (raw === undefined) return {};
  const parsed = z.safeParse(mappingSchema(), readJson("ATTRIBUTE_MAPPING", raw));
  if (!parsed.success) {
    throw new TriggerConfigError(
      "ATTRIBUTE_MAPPING",
      'must be a JSON object of Cognito attribute name to user data field, e.g. {"custom:plan":"plan"}',
    );
  }
  const problems = [
    ...checkAttributeMapping(parsed.data),
    ...Object.keys(parsed.data)
      .filter((target) => BACKEND_OWNED_ATTRIBUTES.has(target))
      .map((target) => `attribute "${target}" is set by the toolkit and cannot be mapped`),
  ];
  if (problems.length > 0) throw new TriggerConfigError("ATTRIBUTE_MAPPING", problems.join("; "));
  return parsed.data;
}

function policySchema() {
  const flag = z.optional(z.boolean());
  return z.strictObject({
    minimumLength: z.optional(
      z.custom<number>(
        (length) => Number.isInteger(length) && Number(length) >= 6 && Number(length) <= 99,
        "must be a whole number from 6 to 99",
      ),
    ),
    requireLowercase: flag,
    requireUppercase: flag,
    requireNumbers: flag,
    requireSymbols: flag,
  });
}

function readPasswordPolicy(raw: string | undefined): PasswordPolicy {
  if (raw === undefined) return COGNITO_DEFAULT_PASSWORD_POLICY;
  const parsed = z.safeParse(policySchema(), readJson("PASSWORD_POLICY", raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "(policy)";
    throw new TriggerConfigError(
      "PASSWORD_POLICY",
      `${where}: ${issue?.message ?? "invalid"} (keys: minimumLength 6..99, requireLowercase, requireUppercase, requireNumbers, requireSymbols)`,
    );
  }
  const policy = { ...COGNITO_DEFAULT_PASSWORD_POLICY };
  for (const [key, value] of Object.entries(parsed.data))
    if (value !== undefined) Object.assign(policy, { [key]: value });
  return policy;
}

function readDirectory(vars: Environment): DirectoryConfig {
  switch (vars.USER_DIRECTORY ?? "none") {
    case "none":
      return { kind: "none" };
    case "snapshot":
      return { kind: "snapshot", file: need("USER_SNAPSHOT_FILE", vars.USER_SNAPSHOT_FILE, "snapshot") };
    case "admin-api":
      return {
        kind: "admin-api",
        admin: {
          baseUrl: vars.REALM_ADMIN_BASE_URL ?? vars.REALM_BASE_URL,
          groupId: need("REALM_GROUP_ID", vars.REALM_GROUP_ID, "admin-api"),
          appObjectId: need("REALM_APP_OBJECT_ID", vars.REALM_APP_OBJECT_ID, "admin-api"),
          publicKey: need("REALM_ADMIN_PUBLIC_KEY", vars.REALM_ADMIN_PUBLIC_KEY, "admin-api"),
          privateKey: readPrivateKeySetting(vars),
        },
      };
  }
}

function readPrivateKeySetting(vars: Environment): RealmAdminConfig["privateKey"] {
  const value = vars.REALM_ADMIN_PRIVATE_KEY;
  const secretId = vars.REALM_ADMIN_PRIVATE_KEY_SECRET;
  if (value !== undefined && secretId !== undefined)
    throw new TriggerConfigError(
      "REALM_ADMIN_PRIVATE_KEY_SECRET",
      "is set together with REALM_ADMIN_PRIVATE_KEY: keep one (the secret, preferably)",
    );
  if (secretId !== undefined) {
    const port = vars.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT;
    return {
      from: "secrets-manager",
      secretId,
      extensionPort: port === undefined ? DEFAULT_EXTENSION_PORT : Number(port),
    };
  }
  if (value === undefined)
    throw new TriggerConfigError(
      "REALM_ADMIN_PRIVATE_KEY_SECRET",
      "is required when USER_DIRECTORY=admin-api (or REALM_ADMIN_PRIVATE_KEY)",
    );
  return { from: "environment", value };
}

function need(variable: string, value: string | undefined, directory: string): string {
  if (value === undefined)
    throw new TriggerConfigError(variable, `is required when USER_DIRECTORY=${directory}`);
  return value;
}
