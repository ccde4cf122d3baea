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
  /** Recorded as the pool's `LambdaConfig.PostConfirmation` (likewise only recorded by cognito-local). */
  postConfirmationLambdaArn?: string;
  /**
   * The app client's PreventUserExistenceErrors; default `ENABLED` (user existence hidden), as the
   * Cognito console and Amplify Gen 2 create clients. The API's own default is `LEGACY`.
   */
  preventUserExistenceErrors?: "ENABLED" | "LEGACY";
  /**
   * Create the app client without a `WriteAttributes` list, as Cognito's API does by default (users
   * then write every mutable attribute, the ids included): the unsafe pool attacks run against.
   */
  cognitoDefaultWriteAttributes?: boolean;
}

export interface ProductionShapedPool {
  userPoolId: string;
  clientId: string;
}

/** Who the phase-1 endpoints may touch (realm-password, stale, imported, cognito-password), written only by the backend. */
const MIGRATION_STATE_ATTRIBUTE = "custom:migration_state";
/** When the last reset was requested through the endpoint; re-sync waits out Realm's reset link after it. */
const RESET_REQUESTED_AT_ATTRIBUTE = "custom:reset_requested_at";

/**
 * What a signed-in user may change about themselves through the app client: standard profile attributes,
 * none of `custom:realm_user_id`, `custom:mongo_id`, `custom:migration_state`, `custom:reset_requested_at`
 * (the app finds the user's data by the ids; the phase-1 endpoints trust the marker and its time).
 */
export const USER_WRITABLE_ATTRIBUTES = [
  "email",
  "name",
  "given_name",
  "family_name",
  "nickname",
  "preferred_username",
  "picture",
  "locale",
  "zoneinfo",
] as const;

/** `custom:realm_user_id` → `realm_user_id`: CreateUserPool takes schema names without the prefix. */
function schemaName(attribute: string): string {
  return attribute.replace(/^custom:/, "");
}

/**
 * Creates a user pool shaped as the production one should be: email as the username, compared without
 * case; mutable custom attributes `realm_user_id`, `mongo_id`, `migration_state` and `reset_requested_at`; email auto-verified; one public app
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
      Schema: [
        REALM_USER_ID_ATTRIBUTE,
        MONGO_ID_ATTRIBUTE,
        MIGRATION_STATE_ATTRIBUTE,
        RESET_REQUESTED_AT_ATTRIBUTE,
      ].map((attribute) => ({
        Name: schemaName(attribute),
        AttributeDataType: "String",
        Mutable: true,
      })),
      ...(options.userMigrationLambdaArn || options.postConfirmationLambdaArn
        ? {
            LambdaConfig: {
              ...(options.userMigrationLambdaArn ? { UserMigration: options.userMigrationLambdaArn } : {}),
              ...(options.postConfirmationLambdaArn
                ? { PostConfirmation: options.postConfirmationLambdaArn }
                : {}),
            },
          }
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
      // Amazon Cognito lets users write every mutable attribute the list does not leave out (an empty
      // list means all): the ids and the marker are the backend's, never the user's.
      ...(options.cognitoDefaultWriteAttributes ? {} : { WriteAttributes: [...USER_WRITABLE_ATTRIBUTES] }),
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
