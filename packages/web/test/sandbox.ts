// The sandbox world the tests run against, and small readers of the state it leaves behind.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import type { MigrationMode } from "@realm-to-cognito/core";
import {
  type SandboxWorld,
  seededEmail,
  seededPassword,
  seededState,
  startSandboxWorld,
} from "@realm-to-cognito/sandbox";
import type { MigratingAuthConfig } from "../src/index.js";

export interface TestWorld {
  world: SandboxWorld;
  /** Seeded users in `state` ("active", "never-logged-in", "pending", "disabled"). */
  seeded(state: string): { email: string; password: string }[];
  admin: CognitoIdentityProviderClient;
  config(overrides?: Partial<MigratingAuthConfig>): MigratingAuthConfig;
  /** The Cognito user's attributes, or undefined when there is none. */
  cognitoUser(email: string): Promise<{ status: string; attributes: Record<string, string> } | undefined>;
  /** True when Cognito accepts this password for this user (AdminInitiateAuth, no trigger on a known user). */
  cognitoAccepts(email: string, password: string): Promise<boolean>;
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
    seeded: (state) =>
      Array.from({ length: seedUsers }, (_, i) => i + 1)
        .filter((index) => seededState(seed, index) === state)
        .map((index) => ({ email: seededEmail(index), password: seededPassword(seed, index) })),
    admin,
    config: (overrides = {}) => ({
      mode,
      realm: { appId: world.realm.appId, baseUrl: world.realm.baseUrl },
      cognito: { endpoint: world.cognito.endpoint, region: world.cognito.region, clientId: world.clientId },
      migrationApi: { baseUrl: world.api.baseUrl },
      ...overrides,
    }),
    async cognitoUser(email) {
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
    async cognitoAccepts(email, password) {
      try {
        const answer = await admin.send(
          new AdminInitiateAuthCommand({
            UserPoolId,
            ClientId: world.clientId,
            AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
            AuthParameters: { USERNAME: email, PASSWORD: password },
          }),
        );
        return answer.AuthenticationResult?.AccessToken !== undefined;
      } catch {
        return false;
      }
    },
    async cognitoCode(email) {
      const file = join(dataDir, "cognito", ".cognito", "db", `${UserPoolId}.json`);
      const db = JSON.parse(await readFile(file, "utf8")) as {
        Users?: Record<
          string,
          { Attributes?: { Name: string; Value?: string }[]; ConfirmationCode?: string }
        >;
      };
      for (const user of Object.values(db.Users ?? {})) {
        const userEmail = user.Attributes?.find((attribute) => attribute.Name === "email")?.Value;
        if (userEmail?.toLowerCase() === email.toLowerCase()) return user.ConfirmationCode ?? "";
      }
      return "";
    },
    async importUser(email, attributes = {}) {
      await admin.send(
        new AdminCreateUserCommand({
          UserPoolId,
          Username: email,
          MessageAction: "SUPPRESS",
          UserAttributes: Object.entries({ email, email_verified: "true", ...attributes }).map(
            ([Name, Value]) => ({
              Name,
              Value,
            }),
          ),
        }),
      );
      await admin.send(
        new AdminSetUserPasswordCommand({
          UserPoolId,
          Username: email,
          Password: randomPassword(),
          Permanent: true,
        }),
      );
    },
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

/** A password nobody knows, passing Cognito's default policy. */
export function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `${Buffer.from(bytes).toString("base64url")}aA1!`;
}

/** A fresh email for one test, so tests never share a user. */
export function freshEmail(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}
