// Readers of the state the demo leaves in the sandbox: Cognito users, and which password Cognito takes.
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { MigrationMode } from "@realm-to-cognito/core";
import { type PoolReaders, poolReaders, seededUsers } from "@realm-to-cognito/web/test/pool-readers";
import { type DemoWorld, startDemoWorld } from "../src/demo-world.js";

export interface TestDemoWorld extends DemoWorld, PoolReaders {
  admin: CognitoIdentityProviderClient;
  /** Seeded users in `state`, every one of them (the world describes only a few). */
  seeded(state: string): { email: string; password: string }[];
  /** A seeded user in `state` that no earlier call returned, so no test depends on what another left behind. */
  takeSeeded(state: string): { email: string; password: string };
}

const SEED = 1;

export async function startTestDemoWorld(
  mode: MigrationMode,
  seedUsers: number,
  options: { switchDate?: string } = {},
): Promise<TestDemoWorld> {
  const demo = await startDemoWorld({ mode, seedUsers, importCount: 0, ...options });
  const admin = demo.world.cognito.client();
  const seeded = (state: string) => seededUsers(SEED, seedUsers, state);
  const untaken = new Map<string, { email: string; password: string }[]>();
  return Object.assign(demo, {
    admin,
    seeded,
    takeSeeded(state: string) {
      const left = untaken.get(state) ?? seeded(state);
      untaken.set(state, left);
      const user = left.shift();
      if (!user) throw new Error(`not enough ${state} seeded users`);
      return user;
    },
    ...poolReaders(admin, demo.world.userPoolId, demo.world.clientId),
  });
}

export function freshEmail(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}
