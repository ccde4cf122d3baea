import * as z from "zod/mini";
import type { PoolUsers } from "./cognito-users.js";
import { InvalidEventError } from "./errors.js";
import { lazy } from "./lazy.js";
import { type Logger, userRef } from "./log.js";
import { isPhaseOneUser } from "./migration-state.js";

const CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp";
const CONFIRM_FORGOT_PASSWORD = "PostConfirmation_ConfirmForgotPassword";

// Built on the first event (see lazy.ts). Real Cognito sends null for empty maps in some paths;
// cognito-local omits clientMetadata and sends version "0" and region "local".
export const postConfirmationEventSchema = lazy(() =>
  z.looseObject({
    version: z.optional(z.string()),
    triggerSource: z.enum([CONFIRM_SIGN_UP, CONFIRM_FORGOT_PASSWORD]),
    region: z.optional(z.string()),
    userPoolId: z.string().check(z.minLength(1, "userPoolId is empty")),
    userName: z.string().check(z.minLength(1, "userName is empty")),
    request: z.looseObject({
      userAttributes: z.catchall(z.object({}), z.string()),
      clientMetadata: z.optional(z.nullable(z.looseObject({}))),
    }),
    response: z.optional(z.nullable(z.looseObject({}))),
  }),
);
export type PostConfirmationEvent = z.infer<ReturnType<typeof postConfirmationEventSchema>>;

export interface PostConfirmationServices {
  /** The adapter for the pool the event comes from (the function may serve only its own pool). */
  poolFor(userPoolId: string): PoolUsers;
  /** Total time for marking the user, all attempts included; below Cognito's 5 s for a trigger. */
  readonly deadlineMs: number;
  readonly log: Logger;
}

/** Attempts at the one update, inside the deadline: a lost request must not cost the user their guarantee. */
const ATTEMPTS = 2;

/**
 * Cognito's Post Confirmation trigger. After `ConfirmForgotPassword` (the forgot-password flow of Amplify,
 * the managed login or any app client), the password is one the user chose in Cognito: a phase-1 user
 * (`realm-password` or `stale`) is marked `cognito-password`, which the phase-1 endpoints never touch, so
 * a re-sync can no longer put a Realm password (perhaps a leaked one) back over it. `ConfirmSignUp` and
 * users that are not phase 1's (imported, signed up in Cognito) are left as they are.
 *
 * If the mark cannot be written the handler throws, so the caller's ConfirmForgotPassword fails loudly
 * (UserLambdaValidationException) and the function's error metric shows it, rather than leaving a user
 * that re-sync may overwrite and no one knowing. Cognito does not document whether the new password is
 * kept when this trigger fails; either way nothing is made worse, and the user can run the flow again.
 */
export function createPostConfirmationHandler(
  services: PostConfirmationServices,
): (event: unknown) => Promise<unknown> {
  return async (rawEvent) => {
    const parsed = z.safeParse(postConfirmationEventSchema(), rawEvent);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      services.log.error({ reason: "invalid-event" }, "post confirmation rejected");
      throw new InvalidEventError(
        `not a Post Confirmation event: ${issue?.path.join(".") || "(event)"}: ${issue?.message ?? "invalid"}`,
      );
    }
    const event = parsed.data;
    const user = userRef(event.userName);
    const triggerSource = event.triggerSource;
    if (triggerSource === CONFIRM_SIGN_UP || !isPhaseOneUser(event.request.userAttributes)) {
      services.log.info({ outcome: "ignored", triggerSource, user }, "post confirmation handled");
      return rawEvent;
    }
    try {
      await markCognitoPassword(services, event);
    } catch (error) {
      services.log.error({ outcome: "failed", triggerSource, user, err: error }, "post confirmation failed");
      throw error;
    }
    services.log.info(
      { outcome: "marked-cognito-password", triggerSource, user },
      "post confirmation handled",
    );
    // Cognito expects the event back.
    return rawEvent;
  };
}

async function markCognitoPassword(services: PostConfirmationServices, event: PostConfirmationEvent) {
  const pool = services.poolFor(event.userPoolId);
  const deadline = AbortSignal.timeout(services.deadlineMs);
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.setMigrationState(event.userName, "cognito-password", deadline);
      return;
    } catch (error) {
      if (attempt >= ATTEMPTS || deadline.aborted) throw error;
    }
  }
}
