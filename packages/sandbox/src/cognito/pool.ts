import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { MONGO_ID_ATTRIBUTE, REALM_USER_ID_ATTRIBUTE, toAttributeList } from "@realm-to-cognito/core";

export interface ProductionShapedPoolOptions {
  /** Pool name; default `realm-to-cognito-<time>`. */
  name?: string;
  /** Recorded as the pool's `LambdaConfig.UserMigration` (cognito-local calls the function named in its own config). */
  userMigrationLambdaArn?: string;
  /**
   * The app client's PreventUserExistenceErrors; default `ENABLED` (user existence hidden), as the
   * Cognito console and Amplify Gen 2 create clients. The API's own default is `LEGACY`.
   */
  preventUserExistenceErrors?: "ENABLED" | "LEGACY";
}

export interface ProductionShapedPool {
  userPoolId: string;
  clientId: string;
}

/** Who the phase-1 endpoints may touch (realm-password, stale, imported), written only by the backend. */
const MIGRATION_STATE_ATTRIBUTE = "custom:migration_state";

/** `custom:realm_user_id` → `realm_user_id`: CreateUserPool takes schema names without the prefix. */
function schemaName(attribute: string): string {
  return attribute.replace(/^custom:/, "");
}

/**
 * Creates a user pool shaped as the production one should be: email as the username, compared without
 * case; mutable custom attributes `realm_user_id`, `mongo_id` and `migration_state`; email auto-verified; one public app
 * client allowing USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, refresh and SRP, with user-existence
 * errors hidden (unless `preventUserExistenceErrors: "LEGACY"`). cognito-local only stores that setting:
 * put `startUserExistenceProxy` in front of it to get Cognito's answers.
 * @example
 * const { userPoolId, clientId } = await createProductionShapedPool(cognito.client(), { userMigrationLambdaArn });
 */
export async function createProductionShapedPool(
  client: CognitoIdentityProviderClient,
  options: ProductionShapedPoolOptions = {},
): Promise<ProductionShapedPool> {
  const pool = await client.send(
    new CreateUserPoolCommand({
      PoolName: options.name ?? `realm-to-cognito-${Date.now()}`,
      UsernameAttributes: ["email"],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ["email"],
      Schema: [REALM_USER_ID_ATTRIBUTE, MONGO_ID_ATTRIBUTE, MIGRATION_STATE_ATTRIBUTE].map((attribute) => ({
        Name: schemaName(attribute),
        AttributeDataType: "String",
        Mutable: true,
      })),
      ...(options.userMigrationLambdaArn
        ? { LambdaConfig: { UserMigration: options.userMigrationLambdaArn } }
        : {}),
    }),
  );
  const userPoolId = pool.UserPool?.Id;
  if (!userPoolId) throw new Error("CreateUserPool answered without a pool id");
  const appClient = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: "web",
      GenerateSecret: false,
      ExplicitAuthFlows: [
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
      ],
      PreventUserExistenceErrors: options.preventUserExistenceErrors ?? "ENABLED",
    }),
  );
  const clientId = appClient.UserPoolClient?.ClientId;
  if (!clientId) throw new Error("CreateUserPoolClient answered without a client id");
  return { userPoolId, clientId };
}

/**
 * Puts a user in the pool the way the CLI's admin-create engine leaves them: confirmed, email verified,
 * with a random permanent password nobody knows, so sign-in fails and ForgotPassword works. For tests
 * and demos that need an imported user without running an import.
 */
export async function importWithoutPassword(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  email: string,
  attributes: Record<string, string> = {},
): Promise<void> {
  await client.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: email,
      MessageAction: "SUPPRESS",
      UserAttributes: toAttributeList({ email, email_verified: "true", ...attributes }),
    }),
  );
  const unknowable = `${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url")}aA1!`;
  await client.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: email,
      Password: unknowable,
      Permanent: true,
    }),
  );
}
