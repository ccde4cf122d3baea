import type { UserPoolClientType, UserPoolType } from "@aws-sdk/client-cognito-identity-provider";
import { MONGO_ID_ATTRIBUTE, REALM_USER_ID_ATTRIBUTE } from "@realm-to-cognito/core";
import type { CognitoSender } from "./client.js";
import { MIGRATION_STATE_ATTRIBUTE, RESET_REQUESTED_AT_ATTRIBUTE } from "./import-settings.js";
import { describeAppClients } from "./pool.js";

/** Which phase a finding matters to: a mode is possible only when every finding it needs passed. */
export type MigrationPhase = "phase1" | "phase2";

/** A doctor finding about what keeps users from becoming one another; `warn` passes but is shown. */
export interface SafetyCheck {
  readonly ok: boolean;
  readonly what: string;
  readonly fix?: string;
  readonly warn?: boolean;
  readonly needs: readonly MigrationPhase[];
}

/**
 * The attributes only the migration writes: a user who could write the ids could become another user,
 * and one who could write the marks could steer the phase-1 endpoints (which users they touch, how long
 * re-sync waits after a reset request).
 */
export const BACKEND_ONLY_ATTRIBUTES = [
  REALM_USER_ID_ATTRIBUTE,
  MONGO_ID_ATTRIBUTE,
  MIGRATION_STATE_ATTRIBUTE,
  RESET_REQUESTED_AT_ATTRIBUTE,
] as const;

/** The custom attributes the migration cannot work without (the reset time has a fallback). */
const REQUIRED_CUSTOM_ATTRIBUTES = [
  REALM_USER_ID_ATTRIBUTE,
  MONGO_ID_ATTRIBUTE,
  MIGRATION_STATE_ATTRIBUTE,
] as const;

const BOTH: readonly MigrationPhase[] = ["phase1", "phase2"];

// UpdateUserPool and UpdateUserPoolClient reset every setting they are not sent.
const SEND_WHOLE_POOL =
  "UpdateUserPool resets every setting it is not sent: send the pool's whole configuration (or set it in the CDK construct)";
const SEND_WHOLE_CLIENT =
  "UpdateUserPoolClient resets every setting it is not sent: send the client's whole configuration, ExplicitAuthFlows and callback URLs included";

/**
 * Self sign-up must be closed while `realm-primary`: anyone could register a Realm user's email in
 * Cognito first, and that user would then never reach the migration trigger. In `cognito-primary` an
 * open sign-up is the app's choice.
 */
export function checkSelfSignUp(
  pool: UserPoolType | undefined,
  mode: "realm-primary" | "cognito-primary" | undefined,
): SafetyCheck {
  const closed = pool?.AdminCreateUserConfig?.AllowAdminCreateUserOnly === true;
  if (closed)
    return { ok: true, what: "self sign-up is closed (AllowAdminCreateUserOnly)", needs: ["phase1"] };
  if (mode === "cognito-primary")
    return {
      ok: true,
      warn: true,
      what: "self sign-up is open: fine in cognito-primary, but close it before any return to realm-primary",
      needs: [],
    };
  return {
    ok: false,
    what: "self sign-up is open (AdminCreateUserConfig.AllowAdminCreateUserOnly is not true): anyone can register a Realm user's email in Cognito first, and that user never reaches the migration trigger",
    fix: `set AdminCreateUserConfig.AllowAdminCreateUserOnly to true while realm-primary (CDK: selfSignUpEnabled: false); ${SEND_WHOLE_POOL}`,
    needs: ["phase1"],
  };
}

/** Email changes must wait for the new address to be verified, or a user takes another's email at once. */
export function checkEmailChangeVerified(pool: UserPoolType | undefined): SafetyCheck {
  const required = pool?.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate ?? [];
  if (required.includes("email"))
    return { ok: true, what: "an email change waits for the new address to be verified", needs: BOTH };
  return {
    ok: false,
    what: "an email change applies at once, unverified (UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate lacks email): a user can take another user's address",
    fix: `set UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate to ["email"] (email also in AutoVerifiedAttributes); ${SEND_WHOLE_POOL}`,
    needs: BOTH,
  };
}

/**
 * The three custom attributes the migration writes must exist; `custom:reset_requested_at` should (without
 * it the reset endpoint marks `stale` alone and re-sync times its wait from the user's last change).
 */
export function checkCustomAttributes(pool: UserPoolType | undefined): SafetyCheck[] {
  const names = new Set((pool?.SchemaAttributes ?? []).map((attribute) => attribute.Name));
  const resetTime: SafetyCheck = names.has(RESET_REQUESTED_AT_ATTRIBUTE)
    ? { ok: true, what: `custom attribute ${RESET_REQUESTED_AT_ATTRIBUTE} exists`, needs: ["phase1"] }
    : {
        ok: true,
        warn: true,
        what: `custom attribute ${RESET_REQUESTED_AT_ATTRIBUTE} is missing: the reset endpoint then marks a user stale without the request's time, and re-sync times the wait for Realm's reset link from the user's last change in Cognito (any attribute update moves it)`,
        fix: `AddCustomAttributes ${RESET_REQUESTED_AT_ATTRIBUTE.slice(7)} (String, mutable: the backend changes it); leave it out of every app client's WriteAttributes`,
        needs: [],
      };
  return [...requiredCustomAttributeChecks(names), resetTime];
}

function requiredCustomAttributeChecks(names: ReadonlySet<string | undefined>): SafetyCheck[] {
  return REQUIRED_CUSTOM_ATTRIBUTES.map((name) =>
    names.has(name)
      ? { ok: true, what: `custom attribute ${name} exists`, needs: BOTH }
      : {
          ok: false,
          what: `custom attribute ${name} is missing`,
          fix:
            name === MIGRATION_STATE_ATTRIBUTE
              ? `AddCustomAttributes ${name.slice(7)} (String, mutable: the backend changes it); leave it out of every app client's WriteAttributes`
              : `AddCustomAttributes ${name.slice(7)} (String); leave it out of every app client's WriteAttributes, which is what keeps users from writing it`,
          needs: BOTH,
        },
  );
}

/**
 * An app client's WriteAttributes and ReadAttributes: WriteAttributes present, not empty and without
 * the backend-only attributes (absent means every attribute is writable, Cognito's default: a user sets
 * `custom:realm_user_id` at SignUp or with UpdateUserAttributes and becomes anyone); `email_verified`
 * writable is a warning; ReadAttributes absent or holding `custom:realm_user_id` (the ID token needs it).
 */
export function checkAppClientAttributes(appClient: UserPoolClientType): SafetyCheck[] {
  const id = appClient.ClientId ?? "(unnamed)";
  const checks: SafetyCheck[] = [];
  const write = appClient.WriteAttributes;
  const keepOut = BACKEND_ONLY_ATTRIBUTES.join(", ");
  const fixWrite = `set the app client's WriteAttributes to the attributes users may change (e.g. ["email", "name"]), leaving out ${keepOut}; ${SEND_WHOLE_CLIENT}`;
  if (write === undefined || write.length === 0)
    checks.push({
      ok: false,
      what: `app client ${id} has ${write === undefined ? "no" : "an empty"} WriteAttributes list: Cognito then lets users write every attribute, ${REALM_USER_ID_ATTRIBUTE} included (a user could become another user)`,
      fix: fixWrite,
      needs: BOTH,
    });
  else {
    const writable = BACKEND_ONLY_ATTRIBUTES.filter((name) => write.includes(name));
    checks.push(
      writable.length === 0
        ? { ok: true, what: `app client ${id} cannot write ${keepOut}`, needs: BOTH }
        : {
            ok: false,
            what: `app client ${id} lets users write ${writable.join(", ")}: a user could become another user or steer the phase-1 endpoints`,
            fix: `remove ${writable.join(", ")} from the app client's WriteAttributes; ${SEND_WHOLE_CLIENT}`,
            needs: BOTH,
          },
    );
    if (write.includes("email_verified"))
      checks.push({
        ok: true,
        warn: true,
        what: `app client ${id} lets users write email_verified: a user can mark an address verified that they never proved`,
        fix: `remove email_verified from the app client's WriteAttributes; ${SEND_WHOLE_CLIENT}`,
        needs: [],
      });
  }
  const read = appClient.ReadAttributes;
  checks.push(
    read === undefined || read.length === 0 || read.includes(REALM_USER_ID_ATTRIBUTE)
      ? { ok: true, what: `app client ${id} can read ${REALM_USER_ID_ATTRIBUTE}`, needs: BOTH }
      : {
          ok: false,
          what: `app client ${id}'s ReadAttributes leave out ${REALM_USER_ID_ATTRIBUTE}: its ID tokens do not say which Realm user signed in`,
          fix: `add ${REALM_USER_ID_ATTRIBUTE} to the app client's ReadAttributes; ${SEND_WHOLE_CLIENT}`,
          needs: BOTH,
        },
  );
  return checks;
}

/**
 * What phase 1 (and the data guard after it) needs of the live pool to be safe: self sign-up closed
 * while realm-primary, every app client of the pool unable to write the backend-only attributes, email
 * changes verified, the three custom attributes declared. Every app client is checked, not only the
 * configured one: any of them can call SignUp and UpdateUserAttributes.
 */
export async function poolSafetyChecks(options: {
  client: CognitoSender;
  userPoolId: string;
  pool: UserPoolType | undefined;
  mode?: "realm-primary" | "cognito-primary" | undefined;
}): Promise<SafetyCheck[]> {
  const { client, userPoolId, pool } = options;
  const checks: SafetyCheck[] = [
    checkSelfSignUp(pool, options.mode),
    checkEmailChangeVerified(pool),
    ...checkCustomAttributes(pool),
  ];
  for (const appClient of await describeAppClients(client, userPoolId))
    checks.push(...checkAppClientAttributes(appClient));
  return checks;
}

/** flowerbase limits logins per client address; every trigger login comes from Lambda's few addresses. */
export const FLOWERBASE_LOGIN_LIMIT_FIX =
  "raise AUTH_LOGIN_MAX_ATTEMPTS (default 10) per AUTH_RATE_LIMIT_WINDOW_MS (default 900000) on the flowerbase server above the sign-ins a window brings: every trigger login comes from Lambda's few addresses";
