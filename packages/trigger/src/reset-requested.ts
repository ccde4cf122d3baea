import {
  emailKey,
  isPlausibleEmail,
  type MigrationMode,
  REALM_USER_ID_ATTRIBUTE,
} from "@realm-to-cognito/core";
import * as z from "zod/mini";
import type { PoolUsers } from "./cognito-users.js";
import { BadRequestError } from "./errors.js";
import { clientAddress, type HttpResult, jsonResult, parseHttpEvent, readJsonBody } from "./events.js";
import { lazy } from "./lazy.js";
import { type Logger, type LogOutcome, userRef } from "./log.js";
import type { RateLimiter } from "./rate-limit.js";

export interface PasswordResetRequestedServices {
  readonly mode: MigrationMode;
  readonly pool: PoolUsers;
  readonly limits: { readonly perEmail: RateLimiter; readonly perAddress: RateLimiter };
  readonly log: Logger;
}

export const resetRequestedBodySchema = lazy(() =>
  z.strictObject({
    email: z.string().check(
      z.maxLength(254, "too long for an email address"),
      z.refine((email) => isPlausibleEmail(email.trim()), "not a valid email address"),
    ),
  }),
);

const ACCEPTED = { status: "accepted" } as const;

/**
 * `POST /password-reset-requested {email}`: in realm-primary mode, the front end calls this when the
 * user asks Realm for a reset, and the migrated Cognito user is deleted so no stale password survives
 * (the next sign-in migrates the user again with the new password). Users who signed up in Cognito
 * (no `custom:realm_user_id`) are never touched. Always 202 with the same body, whatever happened.
 */
export function createPasswordResetRequestedHandler(
  services: PasswordResetRequestedServices,
): (event: unknown) => Promise<HttpResult> {
  return async (rawEvent) => {
    let email: string;
    let address: string;
    try {
      const event = parseHttpEvent(rawEvent);
      email = readJsonBody(event, resetRequestedBodySchema()).email.trim();
      address = clientAddress(event);
    } catch (error) {
      const message = error instanceof BadRequestError ? error.message : "unsupported request";
      services.log.info({ outcome: "bad-request", err: error }, "reset notice rejected");
      return jsonResult(400, { error: message });
    }
    const user = userRef(email);
    const outcome = await forgetMigratedUser(services, email, address).catch((error: unknown) => {
      services.log.error({ outcome: "failed", user, err: error }, "reset notice failed");
      return "failed" as const;
    });
    services.log.info({ outcome, user }, "reset notice handled");
    return jsonResult(202, ACCEPTED);
  };
}

async function forgetMigratedUser(
  services: PasswordResetRequestedServices,
  email: string,
  address: string,
): Promise<LogOutcome> {
  if (services.mode !== "realm-primary") return "ignored-in-cognito-primary";
  // Both buckets are charged, so one caller cannot spread requests over emails nor one email over callers.
  const addressAllowed = services.limits.perAddress.take(address);
  const emailAllowed = services.limits.perEmail.take(emailKey(email));
  if (!addressAllowed || !emailAllowed) return "rate-limited";
  const found = await services.pool.findByEmail(email);
  if (found === undefined) return "not-in-cognito";
  if (found.attributes[REALM_USER_ID_ATTRIBUTE] === undefined) return "not-migrated-user";
  await services.pool.delete(found.username);
  return "deleted";
}
