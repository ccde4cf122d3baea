import { isPlausibleEmail } from "@realm-to-cognito/core";
import * as z from "zod/mini";
import { BadRequestError } from "./errors.js";
import { clientAddress, type HttpResult, jsonResult, parseHttpEvent, readJsonBody } from "./events.js";
import type { Logger, LogMessage } from "./log.js";

/** The `email` field of an endpoint's body: judged after trimming, as long as an address may be. */
export function emailField() {
  return z.string().check(
    z.maxLength(254, "too long for an email address"),
    z.refine((email) => isPlausibleEmail(email.trim()), "not a valid email address"),
  );
}

/** An endpoint's checked body and its caller's address, or the 400 to answer when the request is not one. */
export type EndpointRequest<T> = { body: T; address: string } | { rejection: HttpResult };

/**
 * Reads a `POST` endpoint's JSON body against `schema`. A bad request is logged as `rejected` with the
 * reason (never the body, which may hold a password) and answered 400 with a message for the caller.
 */
export function readEndpointRequest<T>(
  rawEvent: unknown,
  schema: z.ZodMiniType<T>,
  log: Logger,
  rejected: LogMessage,
): EndpointRequest<T> {
  try {
    const event = parseHttpEvent(rawEvent);
    return { body: readJsonBody(event, schema), address: clientAddress(event) };
  } catch (error) {
    const message = error instanceof BadRequestError ? error.message : "unsupported request";
    log.info({ outcome: "bad-request", err: error }, rejected);
    return { rejection: jsonResult(400, { error: message }) };
  }
}

/**
 * What both endpoints answer in cognito-primary: Cognito holds the passwords, phase 1 is over, and the
 * endpoints touch nobody (remove them from the deployment).
 */
export const GONE_AFTER_SWITCH = {
  status: "gone",
  error: "the migration endpoints are retired in cognito-primary mode: use Cognito's own flows",
} as const;

export interface EndpointTiming {
  /** Every answer about a user is sent this long after the request, never earlier. */
  readonly responseMs: number;
  /** The work's deadline; default `responseMs` less a margin (tests set a short `responseMs` and a long deadline). */
  readonly deadlineMs?: number;
}

/** The part of Lambda's context object the endpoints read. */
export interface LambdaContext {
  getRemainingTimeInMillis?(): number;
}

/** Kept between the answer and the function's own timeout. */
const LAMBDA_MARGIN_MS = 200;

/** Time left before the padded answer, less a margin for writing it; the work's deadline. */
const ANSWER_MARGIN_MS = 100;

/**
 * Runs `work` under a deadline short of `responseMs` and answers no earlier than `responseMs` after
 * `started`, so the answer's timing says nothing about what the work found (user known, migrated, or
 * not; Cognito or Realm fast or slow). `work` gets the deadline's signal to pass to every call.
 */
export async function answerAfter<T>(
  timing: EndpointTiming,
  started: number,
  work: (signal: AbortSignal) => Promise<T>,
  context?: LambdaContext,
): Promise<T> {
  // A Lambda timeout set below ENDPOINT_RESPONSE_MS must not turn every answer into a timeout: the
  // answer then comes just before the function's own end (the padding is shorter, never missing).
  const remaining = context?.getRemainingTimeInMillis?.();
  const cap = remaining === undefined ? Number.POSITIVE_INFINITY : remaining - LAMBDA_MARGIN_MS;
  const responseMs = Math.min(timing.responseMs, cap);
  const deadlineMs = Math.min(
    timing.deadlineMs ?? timing.responseMs - ANSWER_MARGIN_MS,
    cap - ANSWER_MARGIN_MS,
  );
  const signal = AbortSignal.timeout(Math.max(1, deadlineMs));
  try {
    return await work(signal);
  } finally {
    // Timers may fire a fraction of a millisecond early: wait until the time has really come.
    for (
      let wait = started + responseMs - performance.now();
      wait > 0;
      wait = started + responseMs - performance.now()
    )
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
  }
}
