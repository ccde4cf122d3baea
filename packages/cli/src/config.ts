import { readFileSync } from "node:fs";
import { checkAttributeMapping } from "@realm-to-cognito/core";
import { z } from "zod";
import { ConfigError } from "./errors.js";

const positive = z.number().positive();

/** The ledger file when neither the configuration, REALM_TO_COGNITO_LEDGER nor --ledger names one. */
export const DEFAULT_LEDGER_FILE = "realm-to-cognito.ledger.db";

/** The configuration file's shape (JSON); every field can also come from the environment or a flag. */
export const configSchema = z
  .object({
    realm: z
      .object({
        /** Client app id, e.g. `myapp-abcde`. */
        appId: z.string().min(1).optional(),
        baseUrl: z.url().optional(),
        skipLocation: z.boolean().default(false),
        adminBaseUrl: z.url().optional(),
        groupId: z.string().min(1).optional(),
        appObjectId: z.string().min(1).optional(),
        publicKey: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    cognito: z
      .object({
        region: z.string().min(1).default("us-east-1"),
        userPoolId: z.string().min(1).optional(),
        clientId: z.string().min(1).optional(),
        endpoint: z.url().optional(),
        /** What AdminCreateUser gets as Username: the email (email-as-username pools) or the Realm user id. */
        username: z.enum(["email", "realm-user-id"]).default("email"),
        /** IAM role Cognito writes import-job logs with (CreateUserImportJob's CloudWatchLogsRoleArn). */
        importRoleArn: z.string().min(1).optional(),
        /** True when a backend of yours signs users in with ADMIN_USER_PASSWORD_AUTH (doctor then needs it). */
        adminUserPasswordAuth: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** The app's own user collection (custom user data), read through the driver or a mongoexport file. */
    userCollection: z
      .object({
        database: z.string().min(1).optional(),
        collection: z.string().min(1).default("users"),
        userIdField: z.string().min(1).default("user_id"),
        emailField: z.string().min(1).default("email"),
        mongoIdField: z.string().min(1).default("_id"),
        /** Document fields copied into `extra` (for the attribute mapping). */
        extraFields: z.array(z.string().min(1)).default([]),
        /**
         * How a document says its user's state, for an export from the collection alone (joined with
         * the Admin API or flowerbase, theirs is used). Unset: every such user is pending, never
         * assumed confirmed.
         */
        status: z
          .object({
            statusField: z.string().min(1).optional(),
            statusValues: z
              .object({
                confirmed: z.array(z.string().min(1)).optional(),
                pending: z.array(z.string().min(1)).optional(),
                disabled: z.array(z.string().min(1)).optional(),
              })
              .strict()
              .optional(),
            verifiedField: z.string().min(1).optional(),
            disabledField: z.string().min(1).optional(),
            /** The operator states every document is a confirmed user (no field says so). */
            everyDocumentConfirmed: z.boolean().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    /** flowerbase's users (its `auth_users` collection), read through the driver with MONGODB_URI. */
    flowerbase: z
      .object({
        /** flowerbase's `auth_database`, else its custom-user-data database. */
        database: z.string().min(1).optional(),
        collection: z.string().min(1).default("auth_users"),
      })
      .strict()
      .prefault({}),
    /** Cognito attribute name → key of the user's `extra` fields. */
    mapping: z.record(z.string(), z.string()).default({}),
    policy: z
      .object({
        includeDisabled: z.boolean().default(false),
        /** Pending (unconfirmed) registrations: imported with email_verified false, so they cannot reset. */
        includePending: z.boolean().default(false),
        /**
         * Realm's pending list also holds users who confirmed but never signed in, and the Admin API
         * cannot tell them apart. True imports pending registrations with email_verified "true" so they
         * can reset their password: a trust decision the operator makes.
         */
        trustPendingEmails: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    import: z
      .object({
        /** AdminCreateUser calls a second (UserCreation quota: 50/s per account, shared with sign-ups). */
        rate: positive.max(10_000).default(40),
        /** AdminSetUserPassword calls a second; kept under the 25/s UserUpdate quota by default. */
        setPasswordRate: positive.max(10_000).default(20),
        concurrency: z.number().int().min(1).max(256).default(16),
        /** `sdk`: every call through the AWS SDK. `fast`: the hot calls over our own signed JSON requests. */
        transport: z.enum(["sdk", "fast"]).default("sdk"),
        maxAttempts: z.number().int().min(1).max(20).default(6),
        /** ListUsers calls a second (UserList quota: 30/s, not adjustable). */
        listRate: positive.max(30).default(20),
      })
      .strict()
      .prefault({}),
    ledger: z.string().min(1).default(DEFAULT_LEDGER_FILE),
  })
  .strict();

export type ConfigFile = z.input<typeof configSchema>;
export type Settings = z.output<typeof configSchema>;

/** Secrets, read only from the environment and never printed. */
export interface Secrets {
  readonly realmAdminPrivateKey?: string;
  readonly mongodbUri?: string;
}

export interface Config extends Settings {
  readonly secrets: Secrets;
}

// Settings a config file must never hold, with the variable that carries them instead.
const SECRET_FIELDS: Record<string, string> = {
  "realm.privateKey": "REALM_ADMIN_PRIVATE_KEY",
  "realm.apiKey": "REALM_ADMIN_PRIVATE_KEY",
  "userCollection.uri": "MONGODB_URI",
  mongodbUri: "MONGODB_URI",
  "cognito.secretAccessKey": "AWS_SECRET_ACCESS_KEY",
};

const ENV_FIELDS: ReadonlyArray<readonly [string, string, "string" | "boolean"]> = [
  ["REALM_APP_ID", "realm.appId", "string"],
  ["REALM_BASE_URL", "realm.baseUrl", "string"],
  ["REALM_SKIP_LOCATION", "realm.skipLocation", "boolean"],
  ["REALM_ADMIN_BASE_URL", "realm.adminBaseUrl", "string"],
  ["REALM_GROUP_ID", "realm.groupId", "string"],
  ["REALM_APP_OBJECT_ID", "realm.appObjectId", "string"],
  ["REALM_ADMIN_PUBLIC_KEY", "realm.publicKey", "string"],
  ["COGNITO_USER_POOL_ID", "cognito.userPoolId", "string"],
  ["COGNITO_REGION", "cognito.region", "string"],
  ["COGNITO_ENDPOINT", "cognito.endpoint", "string"],
  ["COGNITO_CLIENT_ID", "cognito.clientId", "string"],
  ["REALM_TO_COGNITO_LEDGER", "ledger", "string"],
];

/** Flags given on the command line, by dotted setting name (`cognito.userPoolId`, `import.rate`). */
export type FlagSettings = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * Reads the configuration: defaults, then the JSON file, then the environment, then flags. Secrets come
 * from the environment only; a file that holds one is refused. Errors name the field to fix.
 * @example loadConfig({ file: "migration.json", env: process.env, flags: { "import.rate": 20 } })
 */
export function loadConfig(input: { file?: string; env?: NodeJS.ProcessEnv; flags?: FlagSettings }): Config {
  const env = input.env ?? {};
  const raw: Record<string, unknown> = input.file ? readConfigFile(input.file) : {};
  for (const [path, variable] of Object.entries(SECRET_FIELDS)) {
    if (getPath(raw, path) !== undefined)
      throw new ConfigError(path, `secrets come only from the environment: set ${variable} instead`);
  }
  for (const [variable, path, kind] of ENV_FIELDS) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    if (kind === "boolean") {
      if (value !== "true" && value !== "false")
        throw new ConfigError(variable, `"${value}" is not "true" or "false"`);
      setPath(raw, path, value === "true");
    } else setPath(raw, path, value);
  }
  for (const [path, value] of Object.entries(input.flags ?? {}))
    if (value !== undefined) setPath(raw, path, value);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue?.path.join(".") || "(config)", issue?.message ?? "invalid");
  }
  const mappingProblem = checkAttributeMapping(parsed.data.mapping)[0];
  if (mappingProblem) throw new ConfigError("mapping", mappingProblem);
  const secrets: Secrets = {
    ...(env.REALM_ADMIN_PRIVATE_KEY ? { realmAdminPrivateKey: env.REALM_ADMIN_PRIVATE_KEY } : {}),
    ...(env.MONGODB_URI ? { mongodbUri: env.MONGODB_URI } : {}),
  };
  // Non-enumerable, so printing or serialising a config never shows a secret.
  const config = { ...parsed.data } as Config;
  Object.defineProperty(config, "secrets", { value: secrets, enumerable: false });
  return config;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError("--config", `cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // V8 quotes the text around a bad token, which may be a secret pasted without quotes; keep the rest.
    const reason = (error as Error).message.replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, "");
    throw new ConfigError("--config", `${file} is not valid JSON: ${reason}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new ConfigError("--config", `${file} must hold a JSON object`);
  return json as Record<string, unknown>;
}

function getPath(target: Record<string, unknown>, path: string): unknown {
  let node: unknown = target;
  for (const key of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/** A required setting, or an error that says where to set it. */
export function required<T>(value: T | undefined, field: string, hint: string): T {
  if (value === undefined || value === "") throw new ConfigError(field, `missing: ${hint}`);
  return value;
}
