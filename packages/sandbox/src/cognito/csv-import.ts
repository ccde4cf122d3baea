import { InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import type { LambdaBridge } from "../lambda/index.js";
import { cognitoLocalClient } from "./cognito-local.js";

/** A user as one row of a CSV import file: the email (the pool's username) and the other attributes. */
export interface CsvImportedUser {
  email: string;
  attributes?: Record<string, string>;
}

export interface CsvImportOptions {
  bridge: LambdaBridge;
  /** The function cognito-local calls as its User Migration trigger. */
  triggerFunction: string;
  /** Puts the real trigger back (called even when an import fails). */
  restoreTrigger(): Promise<void>;
  /** cognito-local itself, not the user-existence proxy: its own answers are checked here. */
  cognitoLocalEndpoint: string;
  clientId: string;
  users: readonly CsvImportedUser[];
}

/**
 * Puts users in the pool the way Cognito's CSV user import job leaves them: `RESET_REQUIRED`, with the
 * row's attributes, and no password anyone knows. cognito-local has no import jobs and no call that sets
 * `RESET_REQUIRED`; the one path that creates such a user is its User Migration trigger answering
 * `finalUserStatus: "RESET_REQUIRED"`. So the trigger's function is swapped on the bridge for one that
 * answers so for these users only, each is signed in once with a random password (cognito-local stores
 * it, but refuses every sign-in of a `RESET_REQUIRED` user before looking at it), and the real trigger
 * is put back. Nothing else may sign in to the pool meanwhile. Sandbox only.
 * @example
 * await importAsCsvJob({ bridge, triggerFunction: USER_MIGRATION_FUNCTION, restoreTrigger, cognitoLocalEndpoint, clientId, users });
 */
export async function importAsCsvJob(options: CsvImportOptions): Promise<void> {
  const rows = new Map(options.users.map((user) => [user.email.toLowerCase(), user]));
  await options.bridge.register(options.triggerFunction, {
    handler: async (event: unknown) => {
      const { userName } = event as { userName: string };
      const row = rows.get(userName.toLowerCase());
      if (!row) throw new Error("not in this import");
      return {
        ...(event as object),
        response: {
          userAttributes: { email: row.email, email_verified: "true", ...row.attributes },
          finalUserStatus: "RESET_REQUIRED",
          messageAction: "SUPPRESS",
        },
      };
    },
  });
  const client = cognitoLocalClient(options.cognitoLocalEndpoint);
  try {
    for (const row of rows.values()) {
      const answer = await client
        .send(
          new InitiateAuthCommand({
            ClientId: options.clientId,
            AuthFlow: "USER_PASSWORD_AUTH",
            AuthParameters: { USERNAME: row.email, PASSWORD: randomPassword() },
          }),
        )
        .then(
          () => "signedIn",
          (error: unknown) => (error instanceof Error ? error.name : String(error)),
        );
      if (answer !== "PasswordResetRequiredException") {
        throw new Error(`importing ${row.email} as RESET_REQUIRED: cognito-local answered ${answer}`);
      }
    }
  } finally {
    client.destroy();
    await options.restoreTrigger();
  }
}

function randomPassword(): string {
  return `${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url")}aA1!`;
}
