// Readers of the state the demo leaves in the sandbox: Cognito users, and which password Cognito takes.
import {
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import type { MigrationMode } from "@realm-to-cognito/core";
import { seededEmail, seededPassword, seededState } from "@realm-to-cognito/sandbox";
import { type DemoWorld, startDemoWorld } from "../src/demo-world.js";

export interface TestDemoWorld extends DemoWorld {
  admin: CognitoIdentityProviderClient;
  /** Seeded users in `state`, every one of them (the world describes only a few). */
  seeded(state: string): { email: string; password: string }[];
  cognitoUser(email: string): Promise<{ status: string; attributes: Record<string, string> } | undefined>;
  cognitoAccepts(email: string, password: string): Promise<boolean>;
}

const SEED = 1;

export async function startTestDemoWorld(mode: MigrationMode, seedUsers: number): Promise<TestDemoWorld> {
  const demo = await startDemoWorld({ mode, seedUsers, importCount: 0 });
  const admin = demo.world.cognito.client();
  const UserPoolId = demo.world.userPoolId;
  return Object.assign(demo, {
    admin,
    seeded: (state: string) =>
      Array.from({ length: seedUsers }, (_, i) => i + 1)
        .filter((index) => seededState(SEED, index) === state)
        .map((index) => ({ email: seededEmail(index), password: seededPassword(SEED, index) })),
    async cognitoUser(email: string) {
      try {
        const user = await admin.send(new AdminGetUserCommand({ UserPoolId, Username: email }));
        const attributes: Record<string, string> = {};
        for (const { Name, Value } of user.UserAttributes ?? [])
          if (Name && Value !== undefined) attributes[Name] = Value;
        return { status: user.UserStatus ?? "", attributes };
      } catch (error) {
        if (error instanceof Error && error.name === "UserNotFoundException") return undefined;
        throw error;
      }
    },
    async cognitoAccepts(email: string, password: string) {
      try {
        const answer = await admin.send(
          new AdminInitiateAuthCommand({
            UserPoolId,
            ClientId: demo.world.clientId,
            AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
            AuthParameters: { USERNAME: email, PASSWORD: password },
          }),
        );
        return answer.AuthenticationResult?.AccessToken !== undefined;
      } catch {
        return false;
      }
    },
  });
}

export function freshEmail(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}
