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
