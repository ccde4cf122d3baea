// Red team (issue 12): what a signed-in user can write about themselves in the sandbox's
// "production-shaped" pool. Amazon Cognito lets an app client's users write every mutable attribute
// unless the client's WriteAttributes leaves it out; cognito-local stores WriteAttributes and never
// applies it. `custom:realm_user_id` is the key the app's data is found by, and `custom:migration_state`
// is what the phase-1 endpoints trust: neither may be the user's to write.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  InitiateAuthCommand,
  UpdateUserAttributesCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { AdminClient } from "@realm-to-cognito/realm";
import { buildBundles } from "@realm-to-cognito/trigger/build";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxWorld, startSandboxWorld } from "../src/world.js";

let directory: string;
let world: SandboxWorld;
let cognito: CognitoIdentityProviderClient;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "sandbox-redteam-"));
  const bundles = await buildBundles({ outDir: join(directory, "bundles") });
  world = await startSandboxWorld({ seedUsers: 0, handlerOutput: null, bundles });
  cognito = world.cognito.client();
}, 120_000);

afterAll(async () => {
  await world?.stop();
  await rm(directory, { recursive: true, force: true });
});

function admin(): AdminClient {
  const realm = world.realm;
  return new AdminClient({
    baseUrl: realm.adminBaseUrl,
    groupId: realm.groupId,
    appObjectId: realm.appObjectId,
    publicKey: realm.apiKey.publicKey,
    privateKey: realm.apiKey.privateKey,
  });
}

async function attributesOf(email: string): Promise<Record<string, string | undefined>> {
  const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: world.userPoolId, Username: email }));
  return Object.fromEntries((user.UserAttributes ?? []).map(({ Name, Value }) => [Name ?? "", Value]));
}

async function migratedAccessToken(email: string, password: string): Promise<string> {
  await admin().createUser(email, password);
  const signedIn = await cognito.send(
    new InitiateAuthCommand({
      ClientId: world.clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  const token = signedIn.AuthenticationResult?.AccessToken;
  if (!token) throw new Error("the migration sign-in gave no access token");
  return token;
}

describe("a signed-in user writing the attributes the backend owns", () => {
  it("the app client leaves the backend's attributes out of WriteAttributes (an empty list means all)", async () => {
    const { UserPoolClient: client } = await cognito.send(
      new DescribeUserPoolClientCommand({ UserPoolId: world.userPoolId, ClientId: world.clientId }),
    );
    const writable = client?.WriteAttributes ?? [];
    expect(writable.length).toBeGreaterThan(0);
    for (const owned of ["custom:realm_user_id", "custom:mongo_id", "custom:migration_state"])
      expect(writable).not.toContain(owned);
  });

  // The write itself cannot be shown here, either way: cognito-local's access tokens carry no `sub`
  // for a user the migration trigger created (AdminGetUser lists no `sub` attribute either), and its
  // UpdateUserAttributes looks the user up by `sub`, so every migrated user is refused, even for a
  // profile attribute; it never applies WriteAttributes. On Amazon Cognito, with no WriteAttributes,
  // the attack below succeeds: the user takes another Realm user's id, which the app finds data by.
  // `doctor` must check the live pool's clients (issue 12 item 5); the sandbox cannot stand in for it.
  it.fails("(sandbox limit) a migrated user can update even a profile attribute", async () => {
    const token = await migratedAccessToken("profile@example.com", "Profile-pass-1!");
    await cognito.send(
      new UpdateUserAttributesCommand({
        AccessToken: token,
        UserAttributes: [{ Name: "name", Value: "Ada" }],
      }),
    );
    expect((await attributesOf("profile@example.com")).name).toBe("Ada");
  });

  it("a migrated user still cannot end up with another Realm user's id through UpdateUserAttributes", async () => {
    const victim = await admin().createUser("owner@example.com", "Owner-pass-1!");
    const token = await migratedAccessToken("mallory@example.com", "Mallory-pass-1!");
    const before = await attributesOf("mallory@example.com");
    await cognito
      .send(
        new UpdateUserAttributesCommand({
          AccessToken: token,
          UserAttributes: [
            { Name: "custom:realm_user_id", Value: victim.id },
            { Name: "custom:migration_state", Value: "stale" },
          ],
        }),
      )
      .catch(() => undefined);
    const after = await attributesOf("mallory@example.com");
    expect(after["custom:realm_user_id"]).toBe(before["custom:realm_user_id"]);
    expect(after["custom:migration_state"]).toBe("realm-password");
  });
});
