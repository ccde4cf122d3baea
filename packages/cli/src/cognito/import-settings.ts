import {
  DescribeUserPoolCommand,
  GetUserPoolMfaConfigCommand,
  type UserPoolType,
} from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoSender } from "./client.js";

/** Written by the bulk import on every user it creates (DECISIONS.md §1): phase-1 endpoints leave them alone. */
export const MIGRATION_STATE_ATTRIBUTE = "custom:migration_state";
export const MIGRATION_STATE_IMPORTED = "imported";
/** Written by the phase-1 reset endpoint: when the reset was requested (re-sync waits out Realm's link). */
export const RESET_REQUESTED_AT_ATTRIBUTE = "custom:reset_requested_at";

/** The pool's MFA setting and the factors a user could complete it with. */
export interface PoolMfa {
  readonly configuration: "OFF" | "ON" | "OPTIONAL";
  /** Undefined when GetUserPoolMfaConfig could not be read. */
  readonly factors?: { readonly sms: boolean; readonly softwareToken: boolean; readonly email: boolean };
}

/** What both import engines need to know of the pool before writing a user. */
export interface PoolImportSettings {
  readonly mfa: PoolMfa;
  /** Whether the pool declares `custom:migration_state`, so imported users can carry the marker. */
  readonly migrationStateAttribute: boolean;
}

/** Reads the pool's MFA configuration (DescribeUserPool, then GetUserPoolMfaConfig for the factors). */
export async function readPoolImportSettings(
  client: CognitoSender,
  userPoolId: string,
): Promise<PoolImportSettings> {
  const { UserPool: pool } = await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
  return {
    mfa: await readPoolMfa(client, userPoolId, pool),
    migrationStateAttribute: hasMigrationState(pool),
  };
}

export function hasMigrationState(pool: UserPoolType | undefined): boolean {
  return (pool?.SchemaAttributes ?? []).some((attribute) => attribute.Name === MIGRATION_STATE_ATTRIBUTE);
}

async function readPoolMfa(
  client: CognitoSender,
  userPoolId: string,
  pool: UserPoolType | undefined,
): Promise<PoolMfa> {
  const configuration = pool?.MfaConfiguration ?? "OFF";
  if (configuration === "OFF") return { configuration };
  try {
    const config = await client.send(new GetUserPoolMfaConfigCommand({ UserPoolId: userPoolId }));
    return {
      configuration,
      factors: {
        sms: config.SmsMfaConfiguration?.SmsConfiguration !== undefined,
        softwareToken: config.SoftwareTokenMfaConfiguration?.Enabled === true,
        email: config.EmailMfaConfiguration !== undefined,
      },
    };
  } catch {
    return { configuration };
  }
}

export type MfaColumn = { readonly value: "true" | "false" } | { readonly refusal: string };

/**
 * The `cognito:mfa_enabled` value of one CSV row, per AWS's CSV rules: `false` on a pool with MFA OFF,
 * `true` on a pool that requires MFA (ON), and on OPTIONAL a value the user can live with (`false`: the
 * user opts in later). On ON, a user who could never complete MFA (no factor the pool offers reaches
 * them) is refused with the reason, instead of being imported into a pool they can never sign in to.
 */
export function mfaColumn(
  mfa: PoolMfa,
  user: { readonly attributes: Readonly<Record<string, string>> },
): MfaColumn {
  if (mfa.configuration === "OFF" || mfa.configuration === "OPTIONAL") return { value: "false" };
  const factors = mfa.factors;
  if (factors === undefined)
    return {
      refusal:
        "the pool requires MFA (ON) and its MFA factors could not be read (GetUserPoolMfaConfig): allow cognito-idp:GetUserPoolMfaConfig or import after setting MFA to OPTIONAL",
    };
  const reachable = [
    factors.softwareToken ? "an authenticator app (set up at first sign-in)" : undefined,
    factors.email && user.attributes.email_verified === "true" ? "email codes" : undefined,
    factors.sms && user.attributes.phone_number_verified === "true" && user.attributes.phone_number
      ? "SMS codes"
      : undefined,
  ].filter((factor): factor is string => factor !== undefined);
  if (reachable.length > 0) return { value: "true" };
  const offered = [
    factors.sms && "SMS",
    factors.softwareToken && "authenticator app",
    factors.email && "email",
  ]
    .filter(Boolean)
    .join(", ");
  return {
    refusal: `the pool requires MFA (ON) with ${offered || "no factor enabled"}, and this user has no verified phone or email that factor could reach: they could never sign in; enable the authenticator-app factor (SetUserPoolMfaConfig SoftwareTokenMfaConfiguration.Enabled) or set MFA to OPTIONAL`,
  };
}
