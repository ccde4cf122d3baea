// Readers of the state a sandbox world leaves behind, for the web tests and the demo's browser tests.
import {
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { seededEmail, seededPassword, seededState } from "@realm-to-cognito/sandbox";

/** The first `count` users seeded with `seed` that are in `state` ("active", "pending", ...). */
export function seededUsers(
  seed: number,
  count: number,
  state: string,
): { email: string; password: string }[] {
  return Array.from({ length: count }, (_, i) => i + 1)
    .filter((index) => seededState(seed, index) === state)
    .map((index) => ({ email: seededEmail(index), password: seededPassword(seed, index) }));
}

export interface PoolReaders {
  /** The Cognito user's status and attributes, or undefined when there is none. */
  cognitoUser(email: string): Promise<{ status: string; attributes: Record<string, string> } | undefined>;
  /** True when Cognito accepts this password for this user (AdminInitiateAuth, no trigger on a known user). */
  cognitoAccepts(email: string, password: string): Promise<boolean>;
}

/** Reads one user pool through its admin API. */
export function poolReaders(
  admin: CognitoIdentityProviderClient,
  UserPoolId: string,
  ClientId: string,
): PoolReaders {
  return {
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
            ClientId,
            AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
            AuthParameters: { USERNAME: email, PASSWORD: password },
          }),
        );
        return answer.AuthenticationResult?.AccessToken !== undefined;
      } catch {
        return false;
      }
    },
  };
}
