import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { type CognitoAttributes, fromAttributeList } from "@realm-to-cognito/core";

/** A user as the pool holds it. */
export interface PoolUser {
  readonly username: string;
  readonly attributes: CognitoAttributes;
  readonly status: string | undefined;
}

/** The few pool operations the migration endpoints need. */
export interface PoolUsers {
  /** The user whose username or email alias is `email`, or undefined. */
  findByEmail(email: string): Promise<PoolUser | undefined>;
  delete(username: string): Promise<void>;
  /** Sets a permanent password; "rejected" when the pool's policy refuses it. */
  setPermanentPassword(username: string, password: string): Promise<"set" | "rejected">;
  /** True when the pool already accepts this password; undefined when it cannot tell (no app client). */
  acceptsPassword(username: string, password: string): Promise<boolean | undefined>;
}

/**
 * PoolUsers over the AWS SDK v3. Needs cognito-idp:AdminGetUser, AdminDeleteUser, AdminSetUserPassword
 * (and AdminInitiateAuth when `clientId` is given) on the pool.
 */
export class CognitoPoolUsers implements PoolUsers {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
    private readonly clientId?: string,
  ) {}

  async findByEmail(email: string): Promise<PoolUser | undefined> {
    try {
      const user = await this.client.send(
        new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: email }),
      );
      return {
        username: user.Username ?? email,
        attributes: fromAttributeList(user.UserAttributes),
        status: user.UserStatus,
      };
    } catch (error) {
      if (errorName(error) === "UserNotFoundException") return undefined;
      throw error;
    }
  }

  async delete(username: string): Promise<void> {
    try {
      await this.client.send(new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: username }));
    } catch (error) {
      if (errorName(error) !== "UserNotFoundException") throw error; // already gone is the goal
    }
  }

  async setPermanentPassword(username: string, password: string): Promise<"set" | "rejected"> {
    try {
      await this.client.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: this.userPoolId,
          Username: username,
          Password: password,
          Permanent: true,
        }),
      );
      return "set";
    } catch (error) {
      if (errorName(error) === "InvalidPasswordException") return "rejected";
      throw error;
    }
  }

  async acceptsPassword(username: string, password: string): Promise<boolean | undefined> {
    if (this.clientId === undefined) return undefined;
    try {
      const result = await this.client.send(
        new AdminInitiateAuthCommand({
          UserPoolId: this.userPoolId,
          ClientId: this.clientId,
          AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      );
      // A challenge (e.g. NEW_PASSWORD_REQUIRED) means the user cannot sign in with it as things stand.
      return result.AuthenticationResult !== undefined;
    } catch (error) {
      const name = errorName(error);
      // cognito-local answers a wrong password with InvalidPasswordException, real Cognito NotAuthorized.
      if (name === "NotAuthorizedException" || name === "InvalidPasswordException") return false;
      if (name === "PasswordResetRequiredException") return false;
      throw error;
    }
  }
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
