import { type MigrationMode, REALM_USER_ID_ATTRIBUTE } from "@realm-to-cognito/core";
import type { AuthClient } from "@realm-to-cognito/realm";
import * as z from "zod/mini";
import type { PoolUsers } from "./cognito-users.js";
import { emailField, readEndpointRequest } from "./endpoint-request.js";
import { MigrationRefusedError, refusalOf } from "./errors.js";
import { type HttpResult, jsonResult } from "./events.js";
import { lazy } from "./lazy.js";
import { type Logger, userRef } from "./log.js";
import { type EndpointLimits, withinLimits } from "./rate-limit.js";
import { verifyWithRealm } from "./realm-check.js";

export interface ResyncPasswordServices {
  readonly mode: MigrationMode;
  readonly realm: AuthClient;
  readonly realmTimeoutMs: number;
  readonly pool: PoolUsers;
  readonly limits: EndpointLimits;
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
 * `POST /resync-password {email, password}`: heals the drift a Realm password reset leaves behind. The
 * password is checked with Realm itself; when right, the migrated Cognito user gets it as a permanent
 * password. A user not in Cognito yet is left alone (the next sign-in migrates them). Every failure is
 * the same 401, so the endpoint tells nothing a Realm login would not.
 */
export function createResyncPasswordHandler(
  services: ResyncPasswordServices,
): (event: unknown) => Promise<HttpResult> {
  return async (rawEvent) => {
    const request = readEndpointRequest(rawEvent, resyncBodySchema(), services.log, "resync rejected");
    if ("rejection" in request) return request.rejection;
    const { body, address } = request;
    const email = body.email.trim();
    const user = userRef(email);
    const log = services.log.withSecrets([body.password]);
    try {
      const status = await resync(services, email, body.password, address);
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
): Promise<ResyncStatus> {
  if (services.mode !== "realm-primary") {
    throw new MigrationRefusedError("mode", "Cognito holds the passwords in cognito-primary mode");
  }
  if (!withinLimits(services.limits, address, email))
    throw new MigrationRefusedError("rate-limited", "too many attempts");
  const verdict = await verifyWithRealm(services.realm, email, password, services.realmTimeoutMs);
  const found = await services.pool.findByEmail(email);
  if (found === undefined) return "not-migrated";
  if (found.attributes[REALM_USER_ID_ATTRIBUTE] !== verdict.realmUserId) {
    // A user who signed up in Cognito, or another Realm user's email: not ours to change.
    throw new MigrationRefusedError("not-eligible", "the Cognito user is not this Realm user's migration");
  }
  if ((await services.pool.acceptsPassword(found.username, password)) === true) return "unchanged";
  if ((await services.pool.setPermanentPassword(found.username, password)) === "set") return "resynced";
  // The pool's policy refuses the Realm password: remove the user, and the next sign-in migrates them
  // again with RESET_REQUIRED (the trigger checks the same policy).
  await services.pool.delete(found.username);
  return "not-migrated";
}
