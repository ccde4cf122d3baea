import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { AdminClient, AuthClient } from "@realm-to-cognito/realm";
import type { MongoClient } from "mongodb";
import { type Clock, systemClock } from "./clock.js";
import { type CognitoSender, createCognitoClient, sdkRequestHandler } from "./cognito/client.js";
import { createFastCognitoSender } from "./cognito/fast-sender.js";
import { type Config, required } from "./config.js";
import type { LogEventsSender } from "./engines/import-job-log.js";
import { OperatorError } from "./errors.js";
import { ImportLedger } from "./ledger/index.js";
import type { TransportSettings } from "./operator/settings.js";
import { createSesTransport } from "./operator/transports/ses.js";
import { createSmtpTransport } from "./operator/transports/smtp.js";
import type { MailTransport } from "./operator/transports/transport.js";
import { type Progress, startProgress } from "./progress.js";

/** How hard a Realm client tries: `doctor` asks once, with a short deadline. */
export interface RealmTuning {
  readonly readAttempts?: number;
  readonly timeoutMs?: number;
}

/** Where a command's words go: results on stdout, progress and warnings on stderr. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** A progress display on stderr; `quiet` gives one that shows nothing. */
  progress(options: { label: string; total: number; quiet?: boolean }): Progress;
}

/**
 * Everything a command reaches outside itself. `main.ts` builds one; a command declares the part it uses
 * (`Pick<Services, "cognito" | "output">`), and tests hand fakes in here and nowhere else. The clients
 * need settings a command reads from its flags, so they are factories taking the configuration; nothing
 * is built until a command asks, so `--help` and the offline commands construct no client.
 */
export interface Services {
  /** The environment settings and secrets are read from. */
  readonly env: NodeJS.ProcessEnv;
  readonly output: Output;
  readonly clock: Clock;
  /** Cognito for the configuration's region and endpoint (one client for each). */
  cognito(config: Config): CognitoSender;
  /** What the import sends through: the SDK, or the fast transport for its hot calls when configured. */
  importSender(config: Config): CognitoSender;
  /** CloudWatch Logs, to read an import job's per-row results; none against a local Cognito endpoint. */
  logs(config: Config): LogEventsSender | undefined;
  /** How the Realm clients reach the network (a test's fake server answers here). */
  readonly fetch: typeof fetch;
  /** The Realm Admin API client; a missing setting is a ConfigError naming it. */
  realmAdmin(config: Config, tuning?: RealmTuning): AdminClient;
  /** The Realm client API (login, location) of the configured app; no app id is a ConfigError. */
  realmAuth(config: Config, tuning?: RealmTuning): AuthClient;
  /** A connected MongoDB client (the caller closes it). */
  mongo(uri: string): Promise<MongoClient>;
  /** The mail transport `notify` sends through. */
  mail(settings: TransportSettings): MailTransport;
  /** Opens (creating when absent) the ledger file; `":memory:"` for a throwaway one. */
  openLedger(file: string): ImportLedger;
}

/** Output to this process's stdout and stderr. */
export const processOutput: Output = {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  progress: (options) => startProgress(options),
};

/**
 * The composition root's one set of services: the real ones, except those given in `overrides` (tests'
 * fakes). The only place in the CLI that constructs AWS, Realm or MongoDB clients.
 * @example const services = createServices({ env: {}, clock: fixedClock });
 */
export function createServices(overrides: Partial<Services> = {}): Services {
  const env = overrides.env ?? process.env;
  const cognitoClients = new Map<string, CognitoSender>();
  const services: Services = {
    env,
    output: processOutput,
    clock: systemClock,
    cognito: (config) => {
      const key = `${config.cognito.region} ${config.cognito.endpoint ?? ""}`;
      let client = cognitoClients.get(key);
      if (client === undefined) {
        client = createCognitoClient({
          region: config.cognito.region,
          endpoint: config.cognito.endpoint,
          env,
        });
        cognitoClients.set(key, client);
      }
      return client;
    },
    importSender: (config) => {
      // A Cognito handed in (a test's fake) is what the import sends through, whatever the transport.
      if (overrides.cognito || config.import.transport === "sdk") return services.cognito(config);
      return createFastCognitoSender({
        sdk: createCognitoClient({ region: config.cognito.region, endpoint: config.cognito.endpoint, env }),
        region: config.cognito.region,
        endpoint: config.cognito.endpoint,
        maxSockets: config.import.concurrency * 2,
        clock: services.clock,
      });
    },
    logs: (config) =>
      config.cognito.endpoint === undefined ? createLogsClient({ region: config.cognito.region }) : undefined,
    fetch: (input, init) => globalThis.fetch(input, init),
    realmAdmin: (config, tuning = {}) => adminClientOf(config, { ...tuning, fetch: services.fetch }),
    realmAuth: (config, tuning = {}) =>
      new AuthClient({
        appId: required(config.realm.appId, "realm.appId", "set it or REALM_APP_ID"),
        ...(config.realm.baseUrl ? { baseUrl: config.realm.baseUrl } : {}),
        skipLocation: config.realm.skipLocation,
        ...(tuning.timeoutMs === undefined ? {} : { timeoutMs: tuning.timeoutMs }),
        fetch: services.fetch,
      }),
    mongo: async (uri) => {
      const { MongoClient } = await import("mongodb");
      const mongo = new MongoClient(uri);
      await mongo.connect();
      return mongo;
    },
    mail: (settings) => mailTransportOf(settings, env),
    openLedger: (file) => ImportLedger.open(file, { clock: services.clock }),
    ...overrides,
  };
  return services;
}

/** CloudWatch Logs with the CLI's request deadline (a silent endpoint fails the read, not the import). */
export function createLogsClient(options: {
  region: string;
  endpoint?: string;
  requestTimeoutMs?: number;
}): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    region: options.region,
    requestHandler: sdkRequestHandler(options.requestTimeoutMs),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
}

/** The Realm Admin API client the configuration describes; a missing setting is a ConfigError naming it. */
function adminClientOf(config: Config, tuning: RealmTuning & { fetch: typeof fetch }): AdminClient {
  const baseUrl = config.realm.adminBaseUrl ?? config.realm.baseUrl;
  return new AdminClient({
    groupId: required(config.realm.groupId, "realm.groupId", "set it or REALM_GROUP_ID"),
    appObjectId: required(config.realm.appObjectId, "realm.appObjectId", "set it or REALM_APP_OBJECT_ID"),
    publicKey: required(config.realm.publicKey, "realm.publicKey", "set it or REALM_ADMIN_PUBLIC_KEY"),
    privateKey: required(
      config.secrets.realmAdminPrivateKey,
      "REALM_ADMIN_PRIVATE_KEY",
      "set the environment variable",
    ),
    ...(baseUrl ? { baseUrl } : {}),
    ...(tuning.readAttempts === undefined ? {} : { readAttempts: tuning.readAttempts }),
    ...(tuning.timeoutMs === undefined ? {} : { timeoutMs: tuning.timeoutMs }),
    fetch: tuning.fetch,
  });
}

function mailTransportOf(settings: TransportSettings, env: NodeJS.ProcessEnv): MailTransport {
  if (settings.kind === "smtp") {
    const pass = env.SMTP_PASSWORD;
    if (settings.user && !pass) {
      throw new OperatorError("TRANSPORT_CONFIG", "SMTP_USER is set but SMTP_PASSWORD is not", {
        exitCode: 2,
      });
    }
    return createSmtpTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      allowSelfSigned: settings.allowSelfSigned,
      ...(settings.user && pass ? { auth: { user: settings.user, pass } } : {}),
    });
  }
  // Keys in the given environment win (as in the SDK's chain); otherwise the SDK's default chain.
  const keys =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  return createSesTransport({
    ...(settings.configurationSetName ? { configurationSetName: settings.configurationSetName } : {}),
    client: createSesClient({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(keys ? { credentials: keys } : {}),
    }),
  });
}

/**
 * SES v2 with the CLI's request deadline (default 30 s, the SMTP transport's per-step deadline): an SES
 * endpoint that never answers ends the send as unknown instead of holding the campaign.
 */
export function createSesClient(options: {
  region: string;
  /** Override for a local emulator (aws-ses-v2-local); unset for AWS. */
  endpoint?: string;
  /** Otherwise the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  timeoutMs?: number;
}): SESv2Client {
  return new SESv2Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: sdkRequestHandler(options.timeoutMs),
  });
}
