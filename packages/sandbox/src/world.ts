import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type CognitoIdentityProviderClient,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { MigrationMode } from "@realm-to-cognito/core";
import { buildBundles, type TriggerBundles } from "@realm-to-cognito/trigger/build";
import { type AppServicesEmulator, type SeedSummary, startAppServicesEmulator } from "./appservices/index.js";
import {
  type CognitoLocal,
  type CsvImportedUser,
  cognitoLocalClient,
  createProductionShapedPool,
  importAsCsvJob,
  type ProductionShapedPool,
  startCognitoLocal,
  startUserExistenceProxy,
  USER_MIGRATION_FUNCTION,
  type UserExistenceProxy,
} from "./cognito/index.js";
import {
  type CognitoAdminShim,
  type FunctionUrlGateway,
  functionArn,
  type HandlerOutput,
  type LambdaBridge,
  startCognitoAdminShim,
  startFunctionUrlGateway,
  startLambdaBridge,
} from "./lambda/index.js";

export const PASSWORD_RESET_REQUESTED_FUNCTION = "password-reset-requested";
export const RESYNC_PASSWORD_FUNCTION = "resync-password";
/** cognito-local invokes it after ConfirmForgotPassword (and ConfirmSignUp). */
export const POST_CONFIRMATION_FUNCTION = "post-confirmation";

/** The migration API's routes on the gateway, as the deployed HTTP API has them. */
export const MIGRATION_API_ROUTES: Record<string, string> = {
  "POST /password-reset-requested": PASSWORD_RESET_REQUESTED_FUNCTION,
  "POST /resync-password": RESYNC_PASSWORD_FUNCTION,
};

/** Every function the world's bridge hosts. */
export const SANDBOX_FUNCTIONS = [
  USER_MIGRATION_FUNCTION,
  PASSWORD_RESET_REQUESTED_FUNCTION,
  RESYNC_PASSWORD_FUNCTION,
  POST_CONFIRMATION_FUNCTION,
] as const;

const REGION = "us-east-1";
const POOL_NAME = "realm-to-cognito-sandbox";

export type UserDirectoryKind = "admin-api" | "snapshot" | "none";

/**
 * How the sandbox pool's app client answers for users it has not got, or cannot sign in:
 * `hidden` = PreventUserExistenceErrors ENABLED (the Cognito console's and Amplify Gen 2's default, and
 * the production-shaped pool's), `revealed` = LEGACY (the API's and CDK's default).
 */
export type UserExistenceErrors = "hidden" | "revealed";
export const USER_EXISTENCE_ERRORS: readonly UserExistenceErrors[] = ["hidden", "revealed"];

/** What the reset endpoint does to a phase-1 user (the endpoint's ON_RESET_REQUEST). */
export type ResetAction = "scramble" | "delete";

/**
 * The endpoints' padded answer time in the sandbox (ENDPOINT_RESPONSE_MS): shorter than a deployment's
 * 3 s default so demos and tests stay quick, long enough for the emulators' calls.
 */
const SANDBOX_ENDPOINT_RESPONSE_MS = 800;
/**
 * The sandbox's Realm reset links live 6 s, and re-sync waits as long after a reset request, as a
 * deployment waits its 30 minutes: flows that complete a reset see the refusal, then the heal. Long
 * enough for a loaded machine to follow a reset link (milliseconds, in-process), short enough for tests.
 */
export const SANDBOX_RESET_TOKEN_LIFETIME_MS = 6_000;

/**
 * Resolves once a reset requested at `requestedAt` (ms since the epoch) can no longer be completed, so
 * re-sync heals the user: the world's reset-link lifetime, plus a margin for the endpoint's clock.
 * @example await resetLinkExpired(world, requestedAt); // then /resync-password answers "resynced"
 */
export function resetLinkExpired(
  world: Pick<SandboxWorld, "resetTokenLifetimeMs">,
  requestedAt: number,
): Promise<void> {
  const waitMs = requestedAt + world.resetTokenLifetimeMs + 500 - Date.now();
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs)));
}

/** The one JSON line `npm run sandbox -- --json` prints first; tools outside the repo read it. */
export interface SandboxDescription {
  realm: {
    baseUrl: string;
    appId: string;
    adminBaseUrl: string;
    groupId: string;
    appObjectId: string;
    apiKey: { publicKey: string; privateKey: string };
  };
  cognito: { endpoint: string; region: string; userPoolId: string; clientId: string };
  lambda: { endpoint: string };
  users: Array<{ email: string; password: string; state: string }>;
}

export interface SandboxWorld {
  realm: AppServicesEmulator;
  /**
   * Cognito as clients reach it: `endpoint` and `client()` go through the user-existence proxy, which
   * answers as Amazon Cognito does for the pool's app client setting; the rest is cognito-local's.
   */
  cognito: CognitoLocal;
  /** The proxy in front of cognito-local (its `rewrites()` count the answers it changed). */
  existenceProxy: UserExistenceProxy;
  /** cognito-local's own endpoint, behind the proxy: its raw answers, for tests of the emulator itself. */
  cognitoLocalEndpoint: string;
  /** The app client's setting (see `SandboxWorldOptions.userExistenceErrors`). */
  readonly userExistenceErrors: UserExistenceErrors;
  bridge: LambdaBridge;
  api: FunctionUrlGateway;
  /** What the endpoints reach as Cognito: cognito-local plus AdminUserGlobalSignOut (recorded, emulator-only). */
  cognitoAdmin: CognitoAdminShim;
  userPoolId: string;
  clientId: string;
  /** The handlers' current mode (see `redeploy`). */
  readonly mode: MigrationMode;
  /** How long a reset link lives and re-sync waits after a reset request (0: no wait). */
  readonly resetTokenLifetimeMs: number;
  /** What seeding put into the emulator (counts by state, demo users). */
  seedSummary: SeedSummary;
  /**
   * Redeploys the three handlers with another mode and user directory, as an operator does at the
   * switch to phase 2 (e.g. cognito-primary with the CLI's directory file).
   */
  redeploy(options: {
    mode: MigrationMode;
    userDirectory?: UserDirectoryKind;
    snapshotFile?: string;
    onResetRequest?: ResetAction;
    /** More variables for the handlers, over the world's own. */
    extraEnv?: Record<string, string>;
  }): Promise<void>;
  /**
   * Puts users in the pool as Cognito's CSV import job leaves them (`RESET_REQUIRED`, these attributes,
   * no password). cognito-local has no import jobs: see `importAsCsvJob`. Nothing may sign in meanwhile.
   */
  importAsCsvJob(users: readonly CsvImportedUser[]): Promise<void>;
  describe(): SandboxDescription;
  stop(): Promise<void>;
}

export interface SandboxWorldOptions {
  /** Default `realm-primary`. */
  mode?: MigrationMode;
  /** Users to seed into the emulator; default 20. */
  seedUsers?: number;
  seed?: number;
  /** Kept across runs: the emulator's SQLite file, cognito-local's data and the bundles. Default a temp dir, removed on stop. */
  dataDir?: string;
  /** 0 = free ports; otherwise realm P, cognito P+1, lambda P+2, api P+3. */
  portBase?: number;
  /** Default `sqlite` with a data dir, else `memory`. */
  storage?: "memory" | "sqlite";
  /** Where the trigger finds users for ForgotPassword; default `admin-api` in cognito-primary mode, else `none`. */
  userDirectory?: UserDirectoryKind;
  snapshotFile?: string;
  /** The handlers' LOG_LEVEL; default `warn`. */
  logLevel?: string;
  /** Where the handlers' own logs go; default stderr, `null` drops them. */
  handlerOutput?: HandlerOutput;
  /** Bundles built before (e.g. once per test file); default: build them into the data dir. */
  bundles?: TriggerBundles;
  /** Default `hidden`, as a pool made in the Cognito console or by Amplify Gen 2 answers. */
  userExistenceErrors?: UserExistenceErrors;

  /** The reset endpoint's action; default `scramble` (keep the user, as a deployment's default). */
  onResetRequest?: ResetAction;
  /** The endpoints' padded answer time in ms; default 800. */
  endpointResponseMs?: number;
  /** More variables for the handlers (e.g. RATE_LIMIT_MAX_KEYS), over the world's own. */
  extraEnv?: Record<string, string>;
  /**
   * The pool's Post Confirmation trigger (marks a user who set their password in Cognito); default on.
   * `false` leaves it out of cognito-local's configuration, as a pool without it.
   */
  postConfirmationTrigger?: boolean;
  /**
   * How long Realm's reset links live, in ms: the emulator's reset and confirmation links, and the
   * endpoints' RESET_TOKEN_LIFETIME_MS (re-sync refuses a `stale` user that long after the reset
   * request). Default SANDBOX_RESET_TOKEN_LIFETIME_MS (6 s), the deployment's 30 minutes made short.
   * 0 turns the wait off (the emulator's links then live 30 minutes): only for a control that shows what
   * the wait prevents.
   */
  resetTokenLifetimeMs?: number;
}

function portsFrom(portBase: number | undefined) {
  if (!portBase) return { realm: 0, cognito: 0, lambda: 0, api: 0 };
  if (!Number.isInteger(portBase) || portBase < 1 || portBase > 65_532) {
    throw new TypeError(`portBase must be 0 or a port from 1 to 65532, got ${portBase}`);
  }
  return { realm: portBase, cognito: portBase + 1, lambda: portBase + 2, api: portBase + 3 };
}

/** With a kept data dir, a restarted world reuses the pool it made before instead of adding one. */
async function findSandboxPool(
  client: CognitoIdentityProviderClient,
): Promise<ProductionShapedPool | undefined> {
  const { UserPools = [] } = await client.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  const pool = UserPools.find((candidate) => candidate.Name === POOL_NAME);
  if (!pool?.Id) return undefined;
  const { UserPoolClients = [] } = await client.send(
    new ListUserPoolClientsCommand({ UserPoolId: pool.Id, MaxResults: 60 }),
  );
  const appClient = UserPoolClients[0];
  return appClient?.ClientId ? { userPoolId: pool.Id, clientId: appClient.ClientId } : undefined;
}

/** cognito-local as seen through the proxy: its endpoint and clients are the proxy's. */
function behindProxy(cognitoLocal: CognitoLocal, endpoint: string): CognitoLocal {
  const clients: CognitoIdentityProviderClient[] = [];
  return {
    ...cognitoLocal,
    endpoint,
    client() {
      const client = cognitoLocalClient(endpoint);
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.destroy();
      await cognitoLocal.stop();
    },
  };
}

/** The handlers' environment, as contract C and a deployment would set it. */
export function handlerEnvironment(input: {
  mode: MigrationMode;
  realm: AppServicesEmulator;
  cognito: CognitoLocal;
  pool: ProductionShapedPool;
  userDirectory: UserDirectoryKind;
  snapshotFile?: string;
  logLevel: string;
  /** Where the endpoints reach Cognito; default cognito-local itself. */
  cognitoEndpoint?: string;
  onResetRequest?: ResetAction;
  endpointResponseMs?: number;
  /** RESET_TOKEN_LIFETIME_MS; default SANDBOX_RESET_TOKEN_LIFETIME_MS (see SandboxWorldOptions). */
  resetTokenLifetimeMs?: number;
}): Record<string, string> {
  const { realm, cognito, pool } = input;
  const env: Record<string, string> = {
    MIGRATION_MODE: input.mode,
    REALM_APP_ID: realm.appId,
    REALM_BASE_URL: realm.baseUrl,
    REALM_SKIP_LOCATION: "false", // the emulator answers /location with its own origin: exercise it
    USER_DIRECTORY: input.userDirectory,
    COGNITO_USER_POOL_ID: pool.userPoolId,
    COGNITO_CLIENT_ID: pool.clientId,
    COGNITO_REGION: REGION,
    COGNITO_ENDPOINT: input.cognitoEndpoint ?? cognito.endpoint,
    ON_RESET_REQUEST: input.onResetRequest ?? "scramble",
    ENDPOINT_RESPONSE_MS: String(input.endpointResponseMs ?? SANDBOX_ENDPOINT_RESPONSE_MS),
    RESET_TOKEN_LIFETIME_MS: String(input.resetTokenLifetimeMs ?? SANDBOX_RESET_TOKEN_LIFETIME_MS),
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SESSION_TOKEN: "local",
    LOG_LEVEL: input.logLevel,
  };
  if (input.userDirectory === "admin-api") {
    Object.assign(env, {
      REALM_ADMIN_BASE_URL: realm.adminBaseUrl,
      REALM_GROUP_ID: realm.groupId,
      REALM_APP_OBJECT_ID: realm.appObjectId,
      REALM_ADMIN_PUBLIC_KEY: realm.apiKey.publicKey,
      REALM_ADMIN_PRIVATE_KEY: realm.apiKey.privateKey,
    });
  }
  if (input.userDirectory === "snapshot") {
    if (!input.snapshotFile) throw new TypeError("userDirectory 'snapshot' needs snapshotFile");
    env.USER_SNAPSHOT_FILE = resolve(input.snapshotFile);
  }
  return env;
}

/**
 * Starts the whole local world: the seeded App Services emulator, the Lambda bridge hosting the three
 * real handler bundles, cognito-local whose User Migration trigger calls the bridge, a production-shaped
 * pool, and the gateway serving the migration API. Everything listens on 127.0.0.1.
 * @example
 * const world = await startSandboxWorld({ seedUsers: 50 });
 * console.log(JSON.stringify(world.describe()));
 * await world.stop();
 */
export async function startSandboxWorld(options: SandboxWorldOptions = {}): Promise<SandboxWorld> {
  const mode = options.mode ?? "realm-primary";
  const ports = portsFrom(options.portBase);
  const resetTokenLifetimeMs = options.resetTokenLifetimeMs ?? SANDBOX_RESET_TOKEN_LIFETIME_MS;
  const ownsDirectory = options.dataDir === undefined;
  const directory = options.dataDir
    ? resolve(options.dataDir)
    : await mkdtemp(join(tmpdir(), "sandbox-world-"));
  const storageKind = options.storage ?? (ownsDirectory ? "memory" : "sqlite");
  const userDirectory = options.userDirectory ?? (mode === "cognito-primary" ? "admin-api" : "none");
  const postConfirmation = options.postConfirmationTrigger ?? true;

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
    if (ownsDirectory) await rm(directory, { recursive: true, force: true });
  };

  try {
    await mkdir(join(directory, "cognito"), { recursive: true });
    const started = <T extends { stop(): Promise<void> }>(part: T): T => {
      stops.push(() => part.stop());
      return part;
    };
    // The slow parts (bundling, cognito-local's start, seeding) run side by side; the bridge comes
    // first because cognito-local's config names its endpoint.
    const bridge = started(
      await startLambdaBridge({
        port: ports.lambda,
        ...(options.handlerOutput !== undefined ? { handlerOutput: options.handlerOutput } : {}),
      }),
    );
    const parts = await Promise.allSettled([
      options.bundles
        ? Promise.resolve(options.bundles)
        : buildBundles({ outDir: join(directory, "bundles") }),
      startAppServicesEmulator({
        port: ports.realm,
        ...(resetTokenLifetimeMs > 0 ? { userpassTokenTtlMs: resetTokenLifetimeMs } : {}),
        storage:
          storageKind === "sqlite"
            ? { kind: "sqlite", file: join(directory, "appservices.sqlite") }
            : { kind: "memory" },
      }).then(started),
      startCognitoLocal({
        dataDir: join(directory, "cognito"),
        lambdaEndpoint: bridge.endpoint,
        userMigrationFunction: USER_MIGRATION_FUNCTION,
        ...(postConfirmation ? { postConfirmationFunction: POST_CONFIRMATION_FUNCTION } : {}),
      }).then(started),
    ]);
    const failure = parts.find((part) => part.status === "rejected");
    if (failure) throw failure.reason;
    const [bundles, realm, cognitoLocal] = parts.map(
      (part) => (part as PromiseFulfilledResult<unknown>).value,
    ) as [TriggerBundles, AppServicesEmulator, CognitoLocal];
    // Everything reaches cognito-local through the proxy, on the port the sandbox promises for Cognito.
    const existenceProxy = started(
      await startUserExistenceProxy({
        upstream: cognitoLocal.endpoint,
        port: ports.cognito,
        lambdaEndpoint: bridge.endpoint,
      }),
    );
    const cognito = started(behindProxy(cognitoLocal, existenceProxy.endpoint));
    const seeded = await realm.seed({ count: options.seedUsers ?? 20, seed: options.seed ?? 1 });
    const admin = cognito.client();
    const userExistenceErrors = options.userExistenceErrors ?? "hidden";
    const preventUserExistenceErrors = userExistenceErrors === "hidden" ? "ENABLED" : "LEGACY";
    const kept = await findSandboxPool(admin);
    if (kept) {
      await admin.send(
        new UpdateUserPoolClientCommand({
          UserPoolId: kept.userPoolId,
          ClientId: kept.clientId,
          PreventUserExistenceErrors: preventUserExistenceErrors,
        }),
      );
    }
    const pool =
      kept ??
      (await createProductionShapedPool(admin, {
        name: POOL_NAME,
        userMigrationLambdaArn: functionArn(USER_MIGRATION_FUNCTION),
        ...(postConfirmation ? { postConfirmationLambdaArn: functionArn(POST_CONFIRMATION_FUNCTION) } : {}),
        preventUserExistenceErrors,
      }));

    const cognitoAdmin = started(await startCognitoAdminShim({ cognitoEndpoint: cognito.endpoint }));
    let currentMode = mode;
    type Deployment = {
      mode: MigrationMode;
      userDirectory: UserDirectoryKind;
      snapshotFile?: string | undefined;
      onResetRequest?: ResetAction | undefined;
      extraEnv?: Record<string, string> | undefined;
    };
    let currentDeployment: Deployment | undefined;
    const deploy = async (deployment: Deployment) => {
      const worldEnv = handlerEnvironment({
        mode: deployment.mode,
        realm,
        cognito,
        pool,
        userDirectory: deployment.userDirectory,
        ...(deployment.snapshotFile ? { snapshotFile: deployment.snapshotFile } : {}),
        logLevel: options.logLevel ?? "warn",
        cognitoEndpoint: cognitoAdmin.endpoint,
        onResetRequest: deployment.onResetRequest ?? options.onResetRequest ?? "scramble",
        endpointResponseMs: options.endpointResponseMs ?? SANDBOX_ENDPOINT_RESPONSE_MS,
        resetTokenLifetimeMs,
      });
      const env = { ...worldEnv, ...options.extraEnv, ...deployment.extraEnv };
      await bridge.register(USER_MIGRATION_FUNCTION, { modulePath: bundles.userMigration, env });
      await bridge.register(PASSWORD_RESET_REQUESTED_FUNCTION, {
        modulePath: bundles.passwordResetRequested,
        env,
      });
      await bridge.register(RESYNC_PASSWORD_FUNCTION, { modulePath: bundles.resyncPassword, env });
      if (postConfirmation)
        await bridge.register(POST_CONFIRMATION_FUNCTION, { modulePath: bundles.postConfirmation, env });
      currentMode = deployment.mode;
      currentDeployment = deployment;
    };
    await deploy({ mode, userDirectory, snapshotFile: options.snapshotFile });

    const api = await startFunctionUrlGateway({ bridge, routes: MIGRATION_API_ROUTES, port: ports.api });
    stops.push(() => api.stop());

    let stopping: Promise<void> | undefined;
    return {
      realm,
      cognito,
      bridge,
      api,
      existenceProxy,
      cognitoLocalEndpoint: cognitoLocal.endpoint,
      userExistenceErrors,
      cognitoAdmin,
      userPoolId: pool.userPoolId,
      clientId: pool.clientId,
      get mode() {
        return currentMode;
      },
      resetTokenLifetimeMs,
      importAsCsvJob: (users) =>
        importAsCsvJob({
          bridge,
          triggerFunction: USER_MIGRATION_FUNCTION,
          restoreTrigger: async () => {
            if (currentDeployment) await deploy(currentDeployment);
          },
          cognitoLocalEndpoint: cognitoLocal.endpoint,
          clientId: pool.clientId,
          users,
        }),
      seedSummary: seeded,
      redeploy: (deployment) =>
        deploy({
          mode: deployment.mode,
          userDirectory:
            deployment.userDirectory ?? (deployment.mode === "cognito-primary" ? "admin-api" : "none"),
          snapshotFile: deployment.snapshotFile,
          onResetRequest: deployment.onResetRequest,
          extraEnv: deployment.extraEnv,
        }),
      describe: () => ({
        realm: {
          baseUrl: realm.baseUrl,
          appId: realm.appId,
          adminBaseUrl: realm.adminBaseUrl,
          groupId: realm.groupId,
          appObjectId: realm.appObjectId,
          apiKey: { publicKey: realm.apiKey.publicKey, privateKey: realm.apiKey.privateKey },
        },
        cognito: {
          endpoint: cognito.endpoint,
          region: REGION,
          userPoolId: pool.userPoolId,
          clientId: pool.clientId,
        },
        lambda: { endpoint: bridge.endpoint },
        users: seeded.demoUsers.map(({ email, password, state }) => ({ email, password, state })),
      }),
      stop() {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
