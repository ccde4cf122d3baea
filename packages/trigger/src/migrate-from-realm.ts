import {
  type AttributeMapping,
  isDirectoryEligible,
  type MigrationMode,
  type PasswordPolicy,
  passwordPolicyViolations,
  type SourceUser,
  sameEmail,
  toCognitoAttributes,
} from "@realm-to-cognito/core";
import type { AuthClient } from "@realm-to-cognito/realm";
import type { UserDirectory } from "./directory.js";
import { MigrationRefusedError, refusalOf, SignInRefused } from "./errors.js";
import {
  type AuthenticationEvent,
  type ForgotPasswordEvent,
  parseUserMigrationEvent,
  type UserMigrationResponse,
} from "./events.js";
import { type Logger, userRef } from "./log.js";
import { MIGRATION_STATE_ATTRIBUTE, type MigrationState } from "./migration-state.js";
import { verifyWithRealm } from "./realm-check.js";

/** What the User Migration handler uses; built once per container by the composition root. */
export interface UserMigrationServices {
  readonly mode: MigrationMode;
  readonly realm: AuthClient;
  readonly realmTimeoutMs: number;
  readonly mongoIdField: string;
  readonly attributeMapping: AttributeMapping;
  readonly passwordPolicy: PasswordPolicy;
  /** Where ForgotPassword finds users; undefined refuses every ForgotPassword. */
  readonly directory: UserDirectory | undefined;
  readonly log: Logger;
}

export type UserMigrationHandler = (event: unknown) => Promise<Record<string, unknown>>;

/**
 * The Cognito User Migration trigger. Sign-in: checks the password with Realm and returns the user's
 * attributes; forgot-password (cognito-primary only): finds the user in the directory and returns them
 * with RESET_REQUIRED. Every failure throws the same SignInRefused, so Cognito refuses and creates nothing.
 * @example export const handler = createUserMigrationHandler(services);
 */
export function createUserMigrationHandler(services: UserMigrationServices): UserMigrationHandler {
  return async (rawEvent) => {
    const started = performance.now();
    const log = services.log.withSecrets([passwordIn(rawEvent)]);
    let event: ReturnType<typeof parseUserMigrationEvent>;
    try {
      event = parseUserMigrationEvent(rawEvent);
    } catch (error) {
      log.error({ outcome: "refused", reason: "invalid-event", err: error }, "migration refused");
      throw new SignInRefused();
    }
    const user = userRef(event.userName);
    try {
      const response =
        event.triggerSource === "UserMigration_Authentication"
          ? await migrateOnSignIn(services, event)
          : await migrateOnForgotPassword(services, event);
      log.info(
        {
          outcome: "migrated",
          triggerSource: event.triggerSource,
          user,
          finalUserStatus: response.finalUserStatus,
          ms: elapsed(started),
        },
        "user migrated",
      );
      const raw = rawEvent as Record<string, unknown>;
      return { ...raw, response: { ...(isObject(raw.response) ? raw.response : {}), ...response } };
    } catch (error) {
      const { reason, level } = refusalOf(error);
      log[level](
        {
          outcome: "refused",
          triggerSource: event.triggerSource,
          user,
          reason,
          err: error,
          ms: elapsed(started),
        },
        "migration refused",
      );
      throw new SignInRefused();
    }
  };
}

async function migrateOnSignIn(
  services: UserMigrationServices,
  event: AuthenticationEvent,
): Promise<UserMigrationResponse> {
  const { password } = event.request;
  const verdict = await verifyWithRealm(services.realm, event.userName, password, services.realmTimeoutMs);
  const source: SourceUser = {
    realmUserId: verdict.realmUserId,
    email: realmEmail(event.userName, verdict.userData),
    ...mongoIdOf(verdict.userData, services.mongoIdField),
    confirmed: true, // Realm lets only confirmed, enabled users log in
    disabled: false,
    extra: scalarFields(verdict.userData),
  };
  const weak = passwordPolicyViolations(password, services.passwordPolicy).length > 0;
  return answer(source, services.attributeMapping, weak ? "RESET_REQUIRED" : "CONFIRMED", "realm-password");
}

async function migrateOnForgotPassword(
  services: UserMigrationServices,
  event: ForgotPasswordEvent,
): Promise<UserMigrationResponse> {
  if (services.mode !== "cognito-primary") {
    throw new MigrationRefusedError("mode", "forgot-password migration runs only in cognito-primary mode");
  }
  if (services.directory === undefined) {
    throw new MigrationRefusedError("no-directory", "no USER_DIRECTORY is configured for forgot-password");
  }
  const found = await services.directory.findByEmail(
    event.userName,
    AbortSignal.timeout(services.realmTimeoutMs),
  );
  if (found === undefined)
    throw new MigrationRefusedError("not-in-directory", "no such user in the directory");
  if (!isDirectoryEligible(found)) {
    throw new MigrationRefusedError("not-eligible", "the user is unconfirmed, disabled or has no Realm id");
  }
  return answer(found, services.attributeMapping, "RESET_REQUIRED", "imported");
}

function answer(
  user: SourceUser,
  mapping: AttributeMapping,
  finalUserStatus: UserMigrationResponse["finalUserStatus"],
  state: MigrationState,
): UserMigrationResponse {
  return {
    // The marker last: a mapping cannot set it (the phase-1 endpoints act on it).
    userAttributes: { ...toCognitoAttributes(user, mapping), [MIGRATION_STATE_ATTRIBUTE]: state },
    finalUserStatus,
    messageAction: "SUPPRESS",
    desiredDeliveryMediums: ["EMAIL"],
  };
}

/**
 * Realm's own spelling of the email when the user document carries it; otherwise the sign-in name,
 * trimmed. Realm stores emails as registered, and a user may type another case.
 */
function realmEmail(userName: string, userData: Readonly<Record<string, unknown>>): string {
  const stored = userData.email;
  return typeof stored === "string" && sameEmail(stored, userName) ? stored.trim() : userName.trim();
}

/** The user document's id: a plain string or Extended JSON `{"$oid": "..."}`. */
function mongoIdOf(userData: Readonly<Record<string, unknown>>, field: string): { mongoId?: string } {
  const value = userData[field];
  if (typeof value === "string" && value !== "") return { mongoId: value };
  if (isObject(value) && typeof value.$oid === "string") return { mongoId: value.$oid };
  return {};
}

/** Fields of the user document that can become attributes: strings, numbers and booleans. */
function scalarFields(userData: Readonly<Record<string, unknown>>): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(userData)) {
    if (typeof value === "string") extra[key] = value;
    else if (typeof value === "number" || typeof value === "boolean") extra[key] = String(value);
  }
  return extra;
}

/** The event's password, read before validation so even a malformed event's password is scrubbed. */
function passwordIn(rawEvent: unknown): string | undefined {
  if (!isObject(rawEvent) || !isObject(rawEvent.request)) return undefined;
  const { password } = rawEvent.request;
  return typeof password === "string" ? password : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
