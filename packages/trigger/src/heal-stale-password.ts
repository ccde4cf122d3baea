import { type MigrationMode, REALM_USER_ID_ATTRIBUTE } from "@realm-to-cognito/core";
import type { AuthClient } from "@realm-to-cognito/realm";
import * as z from "zod/mini";
import type { PoolUser, PoolUsers } from "./cognito-users.js";
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
import {
  isPhaseOneAccount,
  MIGRATION_STATE_ATTRIBUTE,
  RESET_REQUESTED_AT_ATTRIBUTE,
} from "./migration-state.js";
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
  /** A `stale` user is refused until this long after the reset request (Realm's reset-link lifetime). */
  readonly resetTokenLifetimeMs: number;
  /** Milliseconds since the epoch; default Date.now (tests pass a clock). */
  readonly now?: () => number;
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
 * user imported, who signed up in Cognito or who set their password there is never touched. A `stale`
 * user is refused until Realm's reset link has expired (RESET_TOKEN_LIFETIME_MS after the request). Every failure is the same 401 after the
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
  if (resetStillPending(services, found)) {
    // Realm still accepts the password being replaced (a leaked one, perhaps) until its reset link
    // expires: once the user follows it, only the new one passes, and if they never do, the old one is
    // still theirs in Realm and gives no one more than Realm does. Phase 1 signs in through Realm
    // meanwhile, so the user loses nothing.
    throw new MigrationRefusedError("reset-pending", "a reset requested for this user may still complete");
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

/**
 * True while a `stale` user's reset link may still be used. Without the recorded time (a pool lacking the
 * attribute, or a user marked by an older version) the wait counts from the user's last modification,
 * which is no earlier than the marking; without either, the user is healed as the older version did.
 */
function resetStillPending(services: ResyncPasswordServices, found: PoolUser): boolean {
  if (found.attributes[MIGRATION_STATE_ATTRIBUTE] !== "stale") return false;
  const recorded = Date.parse(found.attributes[RESET_REQUESTED_AT_ATTRIBUTE] ?? "");
  const requestedAt = Number.isNaN(recorded) ? found.lastModified : recorded;
  if (requestedAt === undefined) return false;
  const now = (services.now ?? Date.now)();
  // A clock behind the request's (another container's) counts from the request itself.
  return now < requestedAt + services.resetTokenLifetimeMs;
}

async function markRealmPassword(
  pool: PoolUsers,
  found: { username: string; attributes: Readonly<Record<string, string | undefined>> },
  signal: AbortSignal,
): Promise<void> {
  if (found.attributes[MIGRATION_STATE_ATTRIBUTE] !== "realm-password")
    await pool.setMigrationState(found.username, "realm-password", signal);
}
