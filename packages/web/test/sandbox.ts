// The sandbox world the tests run against, and small readers of the state it leaves behind.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { MigrationMode } from "@realm-to-cognito/core";
import { importWithoutPassword, type SandboxWorld, startSandboxWorld } from "@realm-to-cognito/sandbox";
import type { MigratingAuthConfig } from "../src/index.js";
import { type PoolReaders, poolReaders, seededUsers } from "./pool-readers.js";

export interface TestWorld extends PoolReaders {
  world: SandboxWorld;
  /** Seeded users in `state` ("active", "never-logged-in", "pending", "disabled"). */
  seeded(state: string): { email: string; password: string }[];
  admin: CognitoIdentityProviderClient;
  config(overrides?: Partial<MigratingAuthConfig>): MigratingAuthConfig;
  /** The last code cognito-local issued to the user, from its database file. */
  cognitoCode(email: string): Promise<string>;
  /** Creates a user as the CLI's admin-create engine does: no invitation, a random permanent password. */
  importUser(email: string, attributes?: Record<string, string>): Promise<void>;
  /** token/tokenId of the last mail of `kind` the emulator sent to `email`. */
  mail(email: string, kind: "confirm" | "reset"): { token: string; tokenId: string };
  stop(): Promise<void>;
}

export async function startTestWorld(mode: MigrationMode, seedUsers = 12): Promise<TestWorld> {
  const dataDir = await mkdtemp(join(tmpdir(), `web-${mode}-`));
  const seed = 1;
  const world = await startSandboxWorld({
    mode,
    seedUsers,
    seed,
    dataDir,
    storage: "memory",
    handlerOutput: null,
  });
  const admin = world.cognito.client();
  const UserPoolId = world.userPoolId;

  return {
    world,
    seeded: (state) => seededUsers(seed, seedUsers, state),
    admin,
    config: (overrides = {}) => ({
      mode,
      realm: { appId: world.realm.appId, baseUrl: world.realm.baseUrl },
      cognito: { endpoint: world.cognito.endpoint, region: world.cognito.region, clientId: world.clientId },
      migrationApi: { baseUrl: world.api.baseUrl },
      ...overrides,
    }),
    ...poolReaders(admin, UserPoolId, world.clientId),
    async cognitoCode(email) {
      return (await world.cognito.latestCode(UserPoolId, email)) ?? "";
    },
    importUser: (email, attributes = {}) => importWithoutPassword(admin, UserPoolId, email, attributes),
    mail(email, kind) {
      const sent = world.realm.outbox.latest(email, kind);
      if (!sent) throw new Error(`no ${kind} mail to ${email}`);
      return { token: sent.token, tokenId: sent.tokenId };
    },
    async stop() {
      await world.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh email for one test, so tests never share a user. */
export function freshEmail(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}
