import { type MigrationMode, REALM_USER_ID_ATTRIBUTE } from "@realm-to-cognito/core";
import type { AuthClient } from "@realm-to-cognito/realm";
import * as z from "zod/mini";
import type { PoolUsers } from "./cognito-users.js";
import type { ResetAction } from "./config.js";
import {
  answerAfter,
  type EndpointTiming,
  emailField,
  GONE_AFTER_SWITCH,
  type LambdaContext,
  readEndpointRequest,
} from "./endpoint-request.js";
import { MigrationRefusedError, refusalOf } from "./errors.js";
import { type HttpResult, jsonResult } from "./events.js";
import { lazy } from "./lazy.js";
import { type Logger, userRef } from "./log.js";
import { isPhaseOneAccount, MIGRATION_STATE_ATTRIBUTE } from "./migration-state.js";
import { type EndpointLimits, withinLimits } from "./rate-limit.js";
import { verifyWithRealm } from "./realm-check.js";

export interface ResyncPasswordServices {
  readonly mode: MigrationMode;
  readonly realm: AuthClient;
  readonly realmTimeoutMs: number;
  readonly pool: PoolUsers;
  readonly limits: EndpointLimits;
  /** With `delete`, a user whose Realm password the pool's policy refuses is deleted (the seed's way). */
  readonly onResetRequest: ResetAction;
  /** When answers are sent (padded) and when the work is cut off. */
  readonly timing: EndpointTiming;
  readonly log: Logger;
}

export const resyncBodySchema = lazy(() =>
  z.strictObject({
    email: emailField(),
    // Cognito accepts passwords up to 256 characters.
    password: z
      .string()
      .check(z.minLength(1, "must not be empty"), z.maxLength(256, "longer than 256 characters")),
  }),
);

export type ResyncStatus = "resynced" | "unchanged" | "not-migrated";
const REFUSED = { status: "refused" } as const;

/**
 * `POST /resync-password {email, password}` (realm-primary): heals the drift a Realm password reset
 * leaves behind. The password is checked with Realm itself; when right, and only for a user whose
 * Cognito password is Realm's (`custom:migration_state` `realm-password`, or `stale` after a reset
 * request), the Cognito user gets it as a permanent password and is marked `realm-password` again. A
 * user imported or who signed up in Cognito is never touched. Every failure is the same 401 after the
 * same padded time; in cognito-primary it answers 410 and touches nobody.
 */
export function createResyncPasswordHandler(
  services: ResyncPasswordServices,
): (event: unknown, context?: LambdaContext) => Promise<HttpResult> {
  return async (rawEvent, context) => {
    const started = performance.now();
    if (services.mode !== "realm-primary") {
      services.log.info({ outcome: "ignored-in-cognito-primary" }, "resync answered");
      return jsonResult(410, GONE_AFTER_SWITCH);
    }
    const request = readEndpointRequest(rawEvent, resyncBodySchema(), services.log, "resync rejected");
    if ("rejection" in request) return request.rejection;
    const { body, address } = request;
    const email = body.email.trim();
    const user = userRef(email);
    const log = services.log.withSecrets([body.password]);
    try {
      const status = await answerAfter(
        services.timing,
        started,
        (signal) => resync(services, email, body.password, address, signal),
        context,
      );
      log.info({ outcome: status, user }, "resync answered");
      return jsonResult(200, { status });
    } catch (error) {
      const { reason, level } = refusalOf(error);
      log[level]({ outcome: "refused", reason, user, err: error }, "resync refused");
      return jsonResult(401, REFUSED);
    }
  };
}

async function resync(
  services: ResyncPasswordServices,
  email: string,
  password: string,
  address: string,
  signal: AbortSignal,
): Promise<ResyncStatus> {
  if (!withinLimits(services.limits, address, email))
    throw new MigrationRefusedError("rate-limited", "too many attempts");
  const verdict = await verifyWithRealm(services.realm, email, password, services.realmTimeoutMs, signal);
  const found = await services.pool.findByEmail(email, signal);
  if (found === undefined) return "not-migrated";
  if (found.attributes[REALM_USER_ID_ATTRIBUTE] !== verdict.realmUserId || !isPhaseOneAccount(found)) {
    // Signed up in Cognito, imported, another Realm user's email, or migrated before the marker: the
    // Cognito password may be one the user set there, and Realm's must not overwrite it.
    throw new MigrationRefusedError("not-eligible", "the Cognito user's password is not Realm's to set");
  }
  if ((await services.pool.acceptsPassword(found.username, password, signal)) === true) {
    await markRealmPassword(services.pool, found, signal);
    return "unchanged";
  }
  if ((await services.pool.setPermanentPassword(found.username, password, signal)) === "set") {
    await markRealmPassword(services.pool, found, signal);
    return "resynced";
  }
  // The pool's policy refuses the Realm password. The seed deleted the user (the next sign-in migrates
  // them again with RESET_REQUIRED); by default the user and `sub` are kept, stale, and the refusal says so.
  if (services.onResetRequest === "delete") {
    await services.pool.delete(found.username, signal);
    return "not-migrated";
  }
  throw new MigrationRefusedError("not-eligible", "the pool's password policy refuses the Realm password");
}

async function markRealmPassword(
  pool: PoolUsers,
  found: { username: string; attributes: Readonly<Record<string, string | undefined>> },
  signal: AbortSignal,
): Promise<void> {
  if (found.attributes[MIGRATION_STATE_ATTRIBUTE] !== "realm-password")
    await pool.setMigrationState(found.username, "realm-password", signal);
}
