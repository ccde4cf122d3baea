import { type aws_cognito as cognito, aws_lambda as lambda, Stack, Tokenization } from "aws-cdk-lib";

/** The part of `backend.auth.resources.cfnResources` the overrides touch (Amplify's L1 resources). */
export interface AuthCfnResources {
  readonly cfnUserPool: cognito.CfnUserPool;
  readonly cfnUserPoolClient: cognito.CfnUserPoolClient;
  readonly cfnIdentityPool: cognito.CfnIdentityPool;
}

/** The attributes only the backend writes: migration ids, the phase-1 marker and when a Realm reset was requested. */
export const BACKEND_ONLY_ATTRIBUTES = [
  "custom:realm_user_id",
  "custom:mongo_id",
  "custom:migration_state",
  "custom:reset_requested_at",
];

/** The ids of the invoke permissions CDK's `addTrigger` gives each trigger defineAuth attaches. */
const TRIGGER_INVOKE_PERMISSIONS = ["UserMigrationCognito", "PostConfirmationCognito"];

/** What the app client may write: standard profile attributes, never the backend-only ones. */
export const CLIENT_WRITE_ATTRIBUTES = [
  "email",
  "name",
  "given_name",
  "family_name",
  "nickname",
  "locale",
  "zoneinfo",
];

/**
 * The settings the migration needs that defineAuth does not expose, set on Amplify's L1 resources.
 * `realmPrimary`: phase 1, when Cognito self sign-up must stay closed (a squatter would register a
 * Realm user's email before that user's first migrating sign-in).
 */
export function applyMigrationOverrides(
  resources: AuthCfnResources,
  options: { realmPrimary: boolean },
): void {
  const { cfnUserPool, cfnUserPoolClient, cfnIdentityPool } = resources;
  // Emails compare without case; Cognito cannot change this after the pool is created.
  cfnUserPool.usernameConfiguration = { caseSensitive: false };
  // A new email is applied only once verified (otherwise a user could claim another's address).
  cfnUserPool.userAttributeUpdateSettings = { attributesRequireVerificationBeforeUpdate: ["email"] };
  if (options.realmPrimary)
    cfnUserPool.adminCreateUserConfig = {
      ...adminCreateUserConfigOf(cfnUserPool),
      allowAdminCreateUserOnly: true,
    };
  // USER_PASSWORD_AUTH sends the password to Cognito, which hands it to the trigger (SRP never does).
  cfnUserPoolClient.explicitAuthFlows = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
  ];
  cfnUserPoolClient.generateSecret = false;
  cfnUserPoolClient.preventUserExistenceErrors = "ENABLED";
  // Unset means every attribute is writable, custom:realm_user_id included: list them instead.
  cfnUserPoolClient.writeAttributes = [...CLIENT_WRITE_ATTRIBUTES];
  // The migration needs no guest identities.
  cfnIdentityPool.allowUnauthenticatedIdentities = false;
  restrictTriggerInvokesToAccount(cfnUserPool);
}

/**
 * defineAuth attaches each trigger with CDK's `addTrigger`, whose invoke permission names the pool's ARN
 * but not the account; add `SourceAccount` as AWS recommends for service principals.
 */
function restrictTriggerInvokesToAccount(cfnUserPool: cognito.CfnUserPool): void {
  const pool = cfnUserPool.node.scope;
  for (const id of TRIGGER_INVOKE_PERMISSIONS) {
    const permission = pool?.node.tryFindChild(id);
    if (permission instanceof lambda.CfnPermission) permission.sourceAccount = Stack.of(cfnUserPool).account;
  }
}

/** Amplify's own AdminCreateUserConfig (invitation templates), kept when self sign-up is closed. */
function adminCreateUserConfigOf(
  pool: cognito.CfnUserPool,
): cognito.CfnUserPool.AdminCreateUserConfigProperty {
  const current = pool.adminCreateUserConfig;
  return current === undefined || Tokenization.isResolvable(current) ? {} : { ...current };
}
