import { InvalidRecordError } from "./errors.js";

// Deliberately permissive (Realm never validated emails at registration): one @, a dot in the domain,
// no whitespace. Cognito applies its own check; this one only catches what would certainly fail there.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_EMAIL_LENGTH = 254;

/** The key under which two emails are the same user: trimmed and lower-cased (pools are case-insensitive). */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** True when `email` is shaped like an address Cognito will accept. */
export function isPlausibleEmail(email: string): boolean {
  return email.length <= MAX_EMAIL_LENGTH && EMAIL_SHAPE.test(email);
}

/**
 * Trims an email as it came from Realm and checks its shape; keeps its case, because Realm stored it
 * case-sensitively and the user may expect to see it as typed.
 * @example cleanEmail(" Ada@Example.com ") // "Ada@Example.com"
 */
export function cleanEmail(raw: string, field = "email"): string {
  const email = raw.trim();
  if (email === "") throw new InvalidRecordError("INVALID_EMAIL", field, "the email is empty");
  if (!isPlausibleEmail(email)) {
    throw new InvalidRecordError("INVALID_EMAIL", field, `"${email}" is not a valid email address`);
  }
  return email;
}

/** True when the two emails name the same user in a case-insensitive pool. */
export function sameEmail(a: string, b: string): boolean {
  return emailKey(a) === emailKey(b);
}
