import { type MigrationMode, REALM_USER_ID_ATTRIBUTE } from "@realm-to-cognito/core";
import * as z from "zod/mini";
import type { PoolUsers } from "./cognito-users.js";
import { emailField, readEndpointRequest } from "./endpoint-request.js";
import { type HttpResult, jsonResult } from "./events.js";
import { lazy } from "./lazy.js";
import { type Logger, type LogOutcome, userRef } from "./log.js";
import { type EndpointLimits, withinLimits } from "./rate-limit.js";

export interface PasswordResetRequestedServices {
  readonly mode: MigrationMode;
  readonly pool: PoolUsers;
  readonly limits: EndpointLimits;
  readonly log: Logger;
}

export const resetRequestedBodySchema = lazy(() => z.strictObject({ email: emailField() }));

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
  if (!withinLimits(services.limits, address, email)) return "rate-limited";
  const found = await services.pool.findByEmail(email);
  if (found === undefined) return "not-in-cognito";
  if (found.attributes[REALM_USER_ID_ATTRIBUTE] === undefined) return "not-migrated-user";
  await services.pool.delete(found.username);
  return "deleted";
}
