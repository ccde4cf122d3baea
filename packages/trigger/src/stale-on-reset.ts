import { type MigrationMode, REALM_USER_ID_ATTRIBUTE } from "@realm-to-cognito/core";
import { type AuthClient, RealmRejectedError } from "@realm-to-cognito/realm";
import * as z from "zod/mini";
import { exception, type PoolUsers } from "./cognito-users.js";
import type { ResetAction } from "./config.js";
import {
  answerAfter,
  type EndpointTiming,
  emailField,
  GONE_AFTER_SWITCH,
  type LambdaContext,
  readEndpointRequest,
} from "./endpoint-request.js";
import { type HttpResult, jsonResult } from "./events.js";
import { lazy } from "./lazy.js";
import { type Logger, type LogOutcome, userRef } from "./log.js";
import { isPhaseOneAccount } from "./migration-state.js";
import { type EndpointLimits, withinLimits } from "./rate-limit.js";

export interface PasswordResetRequestedServices {
  readonly mode: MigrationMode;
  /** Realm's client: the endpoint makes the reset request itself. */
  readonly realm: AuthClient;
  readonly pool: PoolUsers;
  readonly limits: EndpointLimits;
  /** `scramble` (default) keeps the Cognito user; `delete` is the seed's behaviour. */
  readonly onResetRequest: ResetAction;
  /** When answers are sent (padded) and when the work is cut off. */
  readonly timing: EndpointTiming;
  readonly log: Logger;
}

export const resetRequestedBodySchema = lazy(() => z.strictObject({ email: emailField() }));

const ACCEPTED = { status: "accepted" } as const;

/**
 * `POST /password-reset-requested {email}` (realm-primary): the front end's "forgot password" in
 * phase 1. The endpoint is no stronger than what any anonymous caller can do: it makes Realm's own
 * reset request (`reset/send`), and only when Realm accepts it does it act in Cognito, and only on a
 * user the phase-1 trigger created (`custom:migration_state` `realm-password`): by default it sets a
 * random password, signs the user out everywhere and marks them `stale`, keeping `sub`, groups and
 * attributes; the next sign-in heals through re-sync, which Realm verifies. No one can sign in to
 * Cognito with the password Realm is replacing. `ON_RESET_REQUEST=delete` deletes the user instead.
 * Every answer is the same 202, sent after the same padded time. In cognito-primary it answers 410.
 */
export function createPasswordResetRequestedHandler(
  services: PasswordResetRequestedServices,
): (event: unknown, context?: LambdaContext) => Promise<HttpResult> {
  return async (rawEvent, context) => {
    const started = performance.now();
    if (services.mode !== "realm-primary") {
      services.log.info({ outcome: "ignored-in-cognito-primary" }, "reset notice handled");
      return jsonResult(410, GONE_AFTER_SWITCH);
    }
    const request = readEndpointRequest(
      rawEvent,
      resetRequestedBodySchema(),
      services.log,
      "reset notice rejected",
    );
    if ("rejection" in request) return request.rejection;
    const { address } = request;
    const email = request.body.email.trim();
    const user = userRef(email);
    const outcome = await answerAfter(
      services.timing,
      started,
      (signal) => requestReset(services, email, address, signal),
      context,
    ).catch((error: unknown) => {
      services.log.error({ outcome: "failed", user, err: error }, "reset notice failed");
      return "failed" as const;
    });
    services.log.info({ outcome, user }, "reset notice handled");
    return jsonResult(202, ACCEPTED);
  };
}

async function requestReset(
  services: PasswordResetRequestedServices,
  email: string,
  address: string,
  signal: AbortSignal,
): Promise<LogOutcome> {
  if (!withinLimits(services.limits, address, email)) return "rate-limited";
  const accepted = await services.realm.sendResetPasswordEmail(email, { signal }).then(
    () => true,
    (error: unknown) => {
      // Realm refusing (unknown email, a reset function configured) is routine; Realm down or slow is
      // the operator's alarm (the user got no mail), logged as a failure.
      if (error instanceof RealmRejectedError) return false;
      throw error;
    },
  );
  if (!accepted) return "realm-refused-reset";
  const found = await services.pool.findByEmail(email, signal);
  if (found === undefined) return "not-in-cognito";
  if (found.attributes[REALM_USER_ID_ATTRIBUTE] === undefined || !isPhaseOneAccount(found))
    return "not-migrated-user"; // signed up in Cognito, imported, or migrated before the marker: not ours
  if (services.onResetRequest === "delete") {
    await services.pool.delete(found.username, signal);
    return "deleted";
  }
  return scramble(services.pool, found.username, signal);
}

/**
 * Makes the Cognito password unusable, in the order that keeps the guarantee if a step fails: first the
 * password (no one signs in with the old one), then the sessions, then the marker that lets re-sync heal.
 * A user already `stale` is scrambled again (the marker may be all that failed last time).
 */
async function scramble(pool: PoolUsers, username: string, signal: AbortSignal): Promise<LogOutcome> {
  if ((await pool.setPermanentPassword(username, unguessablePassword(), signal)) !== "set")
    throw new Error("the pool refused a random password: check its password policy");
  await pool.signOutEverywhere(username, signal);
  try {
    await pool.markStale(username, new Date(), signal);
  } catch (error) {
    if (exception(error) !== "InvalidParameterException") throw error;
    // A pool without custom:reset_requested_at: mark `stale` alone (re-sync then times the wait from
    // the user's last modification), and fail loudly so the operator adds the attribute.
    await pool.setMigrationState(username, "stale", signal);
    throw new Error(
      "the pool has no custom:reset_requested_at: add it (String, mutable, in no app client's WriteAttributes)",
      { cause: error },
    );
  }
  return "scrambled";
}

/** 192 random bits, with one character of each class any password policy may require. */
export function unguessablePassword(): string {
  return `${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url")}aA1!`;
}
