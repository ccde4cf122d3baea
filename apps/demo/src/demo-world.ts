// A sandbox world with the demo page in front of it: what `npm run demo:web` and the browser tests run.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MigrationMode } from "@realm-to-cognito/core";
import { importWithoutPassword, type SandboxWorld, startSandboxWorld } from "@realm-to-cognito/sandbox";
import { type DemoServer, startDemoServer } from "./demo-server.js";

export interface DemoUser {
  readonly email: string;
  readonly password: string;
  readonly state: string;
}

export interface DemoWorld {
  readonly world: SandboxWorld;
  readonly demo: DemoServer;
  readonly users: readonly DemoUser[];
  /** Users imported into Cognito without their password (cognito-primary): they must reset. */
  readonly lapsed: readonly DemoUser[];
  /** Imports one user as the CLI's admin-create engine does (CONFIRMED, a random password nobody knows). */
  importLapsedUser(email: string, attributes?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

export interface DemoWorldOptions {
  readonly mode: MigrationMode;
  readonly seedUsers?: number;
  readonly port?: number;
  readonly host?: string;
  /** cognito-primary: how many confirmed Realm users to import without a password (default half). */
  readonly importCount?: number;
  /** Shown in the refused sign-in's message; default the day the demo starts. */
  readonly switchDate?: string;
}

/** Starts the sandbox world in `mode` and serves the demo page against it. */
export async function startDemoWorld(options: DemoWorldOptions): Promise<DemoWorld> {
  const dataDir = await mkdtemp(join(tmpdir(), `demo-${options.mode}-`));
  const world = await startSandboxWorld({
    mode: options.mode,
    seedUsers: options.seedUsers ?? 12,
    dataDir,
    storage: "memory",
    handlerOutput: null,
  });
  const stopWorld = async () => {
    await world.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const admin = world.cognito.client();
    const demo = await startDemoServer(
      {
        mode: world.mode,
        realm: { appId: world.realm.appId, baseUrl: world.realm.baseUrl },
        cognito: { endpoint: world.cognito.endpoint, region: world.cognito.region },
        clientId: world.clientId,
        userPoolId: world.userPoolId,
        migrationApiBaseUrl: world.api.baseUrl,
        cognitoCode: (email) => world.cognito.latestCode(world.userPoolId, email),
      },
      {
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.host ? { host: options.host } : {}),
        ...(options.switchDate ? { switchDate: options.switchDate } : {}),
      },
    );
    const users = world.describe().users;
    const lapsed: DemoUser[] = [];
    const importLapsedUser = async (email: string, attributes: Record<string, string> = {}) => {
      await importWithoutPassword(admin, world.userPoolId, email, attributes);
    };
    if (options.mode === "cognito-primary") {
      const confirmed = users.filter((user) => user.state === "active" || user.state === "never-logged-in");
      for (const user of confirmed.slice(0, options.importCount ?? Math.ceil(confirmed.length / 2))) {
        await importLapsedUser(user.email);
        lapsed.push(user);
      }
    }
    return {
      world,
      demo,
      users,
      lapsed,
      importLapsedUser,
      async stop() {
        await demo.stop();
        await stopWorld();
      },
    };
  } catch (error) {
    await stopWorld();
    throw error;
  }
}
