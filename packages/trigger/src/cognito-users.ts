import { type CognitoAttributes, fromAttributeList } from "@realm-to-cognito/core";
import { type CognitoApi, CognitoCallError } from "./cognito-api.js";
import {
  MIGRATION_STATE_ATTRIBUTE,
  type MigrationState,
  RESET_REQUESTED_AT_ATTRIBUTE,
} from "./migration-state.js";

/** A user as the pool holds it. */
export interface PoolUser {
  readonly username: string;
  readonly attributes: CognitoAttributes;
  readonly status: string | undefined;
  /** Cognito's UserLastModifiedDate in epoch ms (any attribute or password change moves it), if given. */
  readonly lastModified?: number | undefined;
}

/** The few pool operations the migration endpoints need; each honours `signal` as its deadline. */
export interface PoolUsers {
  /** The user whose username or email alias is `email`, or undefined. */
  findByEmail(email: string, signal?: AbortSignal): Promise<PoolUser | undefined>;
  delete(username: string, signal?: AbortSignal): Promise<void>;
  /** Sets a permanent password; "rejected" when the pool's policy refuses it. */
  setPermanentPassword(username: string, password: string, signal?: AbortSignal): Promise<"set" | "rejected">;
  /** Revokes every refresh token (and, with token revocation, the access tokens) of the user. */
  signOutEverywhere(username: string, signal?: AbortSignal): Promise<void>;
  setMigrationState(username: string, state: MigrationState, signal?: AbortSignal): Promise<void>;
  /** Marks the user `stale` and records when the reset was requested, in one update. */
  markStale(username: string, requestedAt: Date, signal?: AbortSignal): Promise<void>;
  /** True when the pool already accepts this password; undefined when it cannot tell (no app client). */
  acceptsPassword(username: string, password: string, signal?: AbortSignal): Promise<boolean | undefined>;
}

/**
 * PoolUsers over Cognito's API. Needs cognito-idp:AdminGetUser, AdminSetUserPassword,
 * AdminUserGlobalSignOut, AdminUpdateUserAttributes (AdminDeleteUser with ON_RESET_REQUEST=delete, and
 * AdminInitiateAuth when `clientId` is given) on the pool.
 */
export class CognitoPoolUsers implements PoolUsers {
  constructor(
    private readonly api: CognitoApi,
    private readonly userPoolId: string,
    private readonly clientId?: string,
  ) {}

  async findByEmail(email: string, signal?: AbortSignal): Promise<PoolUser | undefined> {
    try {
      const user = (await this.api.call(
        "AdminGetUser",
        { UserPoolId: this.userPoolId, Username: email },
        signal,
      )) as {
        Username?: string;
        UserAttributes?: { Name?: string; Value?: string }[];
        UserStatus?: string;
        UserLastModifiedDate?: unknown;
      };
      return {
        username: user.Username ?? email,
        attributes: fromAttributeList(user.UserAttributes),
        status: user.UserStatus,
        lastModified: epochMs(user.UserLastModifiedDate),
      };
    } catch (error) {
      if (exception(error) === "UserNotFoundException") return undefined;
      throw error;
    }
  }

  async delete(username: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.api.call("AdminDeleteUser", { UserPoolId: this.userPoolId, Username: username }, signal);
    } catch (error) {
      if (exception(error) !== "UserNotFoundException") throw error; // already gone is the goal
    }
  }

  async setPermanentPassword(
    username: string,
    password: string,
    signal?: AbortSignal,
  ): Promise<"set" | "rejected"> {
    try {
      await this.api.call(
        "AdminSetUserPassword",
        { UserPoolId: this.userPoolId, Username: username, Password: password, Permanent: true },
        signal,
      );
      return "set";
    } catch (error) {
      if (exception(error) === "InvalidPasswordException") return "rejected";
      throw error;
    }
  }

  async signOutEverywhere(username: string, signal?: AbortSignal): Promise<void> {
    await this.api.call(
      "AdminUserGlobalSignOut",
      { UserPoolId: this.userPoolId, Username: username },
      signal,
    );
  }

  async setMigrationState(username: string, state: MigrationState, signal?: AbortSignal): Promise<void> {
    await this.updateAttributes(username, [{ Name: MIGRATION_STATE_ATTRIBUTE, Value: state }], signal);
  }

  async markStale(username: string, requestedAt: Date, signal?: AbortSignal): Promise<void> {
    await this.updateAttributes(
      username,
      [
        { Name: MIGRATION_STATE_ATTRIBUTE, Value: "stale" },
        { Name: RESET_REQUESTED_AT_ATTRIBUTE, Value: requestedAt.toISOString() },
      ],
      signal,
    );
  }

  private async updateAttributes(
    username: string,
    attributes: { Name: string; Value: string }[],
    signal?: AbortSignal,
  ): Promise<void> {
    await this.api.call(
      "AdminUpdateUserAttributes",
      { UserPoolId: this.userPoolId, Username: username, UserAttributes: attributes },
      signal,
    );
  }

  async acceptsPassword(
    username: string,
    password: string,
    signal?: AbortSignal,
  ): Promise<boolean | undefined> {
    if (this.clientId === undefined) return undefined;
    try {
      const result = (await this.api.call(
        "AdminInitiateAuth",
        {
          UserPoolId: this.userPoolId,
          ClientId: this.clientId,
          AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
          AuthParameters: { USERNAME: username, PASSWORD: password },
        },
        signal,
      )) as { AuthenticationResult?: unknown };
      // A challenge (e.g. NEW_PASSWORD_REQUIRED) means the user cannot sign in with it as things stand.
      return result.AuthenticationResult !== undefined;
    } catch (error) {
      const name = exception(error);
      // cognito-local answers a wrong password with InvalidPasswordException, real Cognito NotAuthorized.
      if (name === "NotAuthorizedException" || name === "InvalidPasswordException") return false;
      if (name === "PasswordResetRequiredException") return false;
      throw error;
    }
  }
}

/** Cognito's JSON gives epoch seconds; cognito-local an ISO string. */
function epochMs(value: unknown): number | undefined {
  const ms =
    typeof value === "number" ? value * 1000 : typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** The Cognito exception's name (e.g. `InvalidParameterException`), or undefined for any other error. */
export function exception(error: unknown): string | undefined {
  return error instanceof CognitoCallError ? error.name : undefined;
}
