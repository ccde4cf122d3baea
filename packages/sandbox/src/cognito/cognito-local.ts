import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoLocalStartError } from "./errors.js";

/** The name cognito-local invokes on the bridge for the User Migration trigger. */
export const USER_MIGRATION_FUNCTION = "realm-user-migration";

/** A running cognito-local, reachable through the real AWS SDK v3 client. */
export interface CognitoLocal {
  endpoint: string;
  region: "us-east-1";
  /** A client with dummy credentials and one attempt (cognito-local answers unsupported calls with 500s). */
  client(): CognitoIdentityProviderClient;
  /** Milliseconds from spawning the process to its "running" line. */
  startupMs: number;
  /** Process id of the cognito-local process (leader of its own process group). */
  pid: number;
  /** Directory holding its `.cognito/` store. */
  dataDir: string;
  /**
   * The last confirmation or reset code cognito-local made for a user (it stores codes instead of
   * sending them); undefined when it holds none. Emulator only: real Cognito emails the code.
   */
  latestCode(userPoolId: string, email: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export interface CognitoLocalOptions {
  /** Origin of the Lambda Invoke API (our bridge) that triggers are sent to. */
  lambdaEndpoint?: string;
  /** Function name for the User Migration trigger; needs `lambdaEndpoint`. */
  userMigrationFunction?: string;
  /** Function name for the Post Confirmation trigger (cognito-local calls it after ConfirmForgotPassword). */
  postConfirmationFunction?: string;
  /** Directory holding `.cognito/` (kept after stop); default a fresh temp dir, removed on stop. */
  dataDir?: string;
  /** Default 0: a free port. */
  port?: number;
  /** How long to wait for the process to listen; default 30 s. */
  startTimeoutMs?: number;
}

const REGION = "us-east-1";
const DUMMY_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const RUNNING_LINE = /Cognito Local running on (https?):\/\/[^\s:]+:(\d+)/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
const ANSI_COLOUR = /\u001b\[[0-9;]*m/g;

const require = createRequire(import.meta.url);
const START_SCRIPT = require.resolve("cognito-local/lib/bin/start.js");

// Children still alive when this process exits are killed with their process group. A child also
// exits on its own when its IPC channel to us closes, which covers a parent killed with SIGKILL.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of liveChildren) killGroup(child, "SIGKILL");
  });
}

/** cognito-local reads `.cognito/config.json` from its working directory. */
function configFor(options: CognitoLocalOptions, port: number): Record<string, unknown> {
  const config: Record<string, unknown> = {
    ServerConfig: { hostname: "127.0.0.1", port },
  };
  if (options.lambdaEndpoint) {
    config.LambdaClient = {
      endpoint: options.lambdaEndpoint,
      region: REGION,
      maxRetries: 0,
      credentials: DUMMY_CREDENTIALS,
      // Cognito gives a trigger 5 s; a slower answer fails the sign-in.
      httpOptions: { connectTimeout: 1_000, timeout: 5_000 },
    };
  }
  const triggers: Record<string, string> = {};
  if (options.userMigrationFunction) triggers.UserMigration = options.userMigrationFunction;
  if (options.postConfirmationFunction) triggers.PostConfirmation = options.postConfirmationFunction;
  if (Object.keys(triggers).length > 0) {
    if (!options.lambdaEndpoint) throw new TypeError("trigger functions need lambdaEndpoint (the bridge)");
    config.TriggerFunctions = triggers;
  }
  return config;
}

function childEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // DEBUG=1 would make cognito-local log every Lambda event, passwords included; NODE_OPTIONS may
  // carry a TypeScript loader meant for us, not for it.
  delete env.DEBUG;
  delete env.NODE_OPTIONS;
  delete env.PORT;
  delete env.HOST;
  return env;
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const lastLines: string[] = [];
    const remember = (line: string) => {
      lastLines.push(line);
      if (lastLines.length > 10) lastLines.shift();
    };
    const timer = setTimeout(() => {
      finish(
        new CognitoLocalStartError(
          `cognito-local did not start within ${timeoutMs} ms: ${lastLines.join(" | ")}`,
        ),
      );
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null) => {
      finish(
        new CognitoLocalStartError(
          `cognito-local exited during start (code ${code}, signal ${signal}): ${lastLines.join(" | ")}`,
        ),
      );
    };
    const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const stderr = createInterface({ input: child.stderr as NodeJS.ReadableStream });
    const onLine = (raw: string) => {
      const line = raw.replace(ANSI_COLOUR, "");
      const match = RUNNING_LINE.exec(line);
      if (match?.[2]) finish(undefined, Number(match[2]));
      else remember(line);
    };
    stdout.on("line", onLine);
    stderr.on("line", remember);
    child.once("exit", onExit);
    child.once("error", (error) =>
      finish(new CognitoLocalStartError("cognito-local could not be spawned", { cause: error })),
    );

    function finish(error: Error | undefined, port?: number) {
      clearTimeout(timer);
      child.off("exit", onExit);
      // From here on its output is drained unread: cognito-local prints reset codes and user names.
      stdout.removeAllListeners("line");
      stderr.removeAllListeners("line");
      if (error) reject(error);
      else resolve(port as number);
    }
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A Cognito client for a cognito-local endpoint. */
export function cognitoLocalClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: REGION,
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
  });
}

/**
 * Starts cognito-local 5.3.0 as a child process in its own directory, with its Lambda client pointed
 * at `lambdaEndpoint` and the User Migration trigger named `userMigrationFunction`. Pools keep
 * cognito-local's default of email as the username. Stop it with `stop()`; it also dies with us.
 * @example
 * const cognito = await startCognitoLocal({ lambdaEndpoint: bridge.endpoint, userMigrationFunction: USER_MIGRATION_FUNCTION });
 * const { userPoolId, clientId } = await createProductionShapedPool(cognito.client());
 */
export async function startCognitoLocal(options: CognitoLocalOptions = {}): Promise<CognitoLocal> {
  const ownsDirectory = options.dataDir === undefined;
  const directory = options.dataDir ?? (await mkdtemp(join(tmpdir(), "cognito-local-")));
  const removeOwnedDirectory = () =>
    ownsDirectory ? rm(directory, { recursive: true, force: true }) : Promise.resolve();
  try {
    await mkdir(join(directory, ".cognito"), { recursive: true });
    await writeFile(
      join(directory, ".cognito", "config.json"),
      JSON.stringify(configFor(options, options.port ?? 0), null, 2),
    );
  } catch (error) {
    await removeOwnedDirectory();
    throw error;
  }

  const startedAt = performance.now();
  const launcher = `process.on("disconnect", () => process.exit(0)); require(${JSON.stringify(START_SCRIPT)});`;
  const child = spawn(process.execPath, ["-e", launcher], {
    cwd: directory,
    detached: true, // its own process group, so stop() can take down anything it started
    env: childEnvironment(),
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  child.channel?.unref();
  liveChildren.add(child);
  installExitHook();
  child.once("exit", () => liveChildren.delete(child));

  let port: number;
  try {
    port = await waitForPort(child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    killGroup(child, "SIGKILL");
    await waitForExit(child, 2_000);
    await removeOwnedDirectory();
    throw error;
  }
  const startupMs = Math.round(performance.now() - startedAt);
  child.stdout?.resume();
  child.stderr?.resume();

  const endpoint = `http://127.0.0.1:${port}`;
  const clients: CognitoIdentityProviderClient[] = [];
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    region: REGION,
    startupMs,
    pid: child.pid as number,
    dataDir: directory,
    latestCode: (userPoolId, email) => readLatestCode(directory, userPoolId, email),
    client() {
      const client = cognitoLocalClient(endpoint);
      clients.push(client);
      return client;
    },
    stop() {
      stopping ??= (async () => {
        for (const client of clients) client.destroy();
        killGroup(child, "SIGTERM");
        if (!(await waitForExit(child, 3_000))) {
          killGroup(child, "SIGKILL");
          await waitForExit(child, 2_000);
        }
        liveChildren.delete(child);
        await removeOwnedDirectory();
      })();
      return stopping;
    },
  };
}

interface StoredUser {
  Username?: string;
  ConfirmationCode?: string;
  Attributes?: Array<{ Name: string; Value: string }>;
}

async function readLatestCode(
  directory: string,
  userPoolId: string,
  email: string,
): Promise<string | undefined> {
  const file = join(directory, ".cognito", "db", `${userPoolId}.json`);
  const { Users = {} } = JSON.parse(await readFile(file, "utf8")) as { Users?: Record<string, StoredUser> };
  const wanted = email.toLowerCase();
  const user = Object.values(Users).find(
    (candidate) =>
      candidate.Username?.toLowerCase() === wanted ||
      candidate.Attributes?.some((a) => a.Name === "email" && a.Value.toLowerCase() === wanted),
  );
  return user?.ConfirmationCode;
}
