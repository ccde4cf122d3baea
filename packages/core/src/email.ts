import { InvalidRecordError } from "./errors.js";

// Deliberately permissive (Realm never validated emails at registration): one @, a dot in the domain,
// no whitespace. Cognito applies its own check; this one catches what would certainly fail there, and
// what would let one address look like another (invisible and direction-changing characters).
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** RFC 5321 §4.5.3.1: a local part of at most 64 octets, a path (so an address) of at most 254. */
export const EMAIL_LIMITS = { localPartOctets: 64, addressOctets: 254 } as const;

// C0 controls (NUL included), DEL and the C1 controls: matching them is the point.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
// Zero-width and invisible joiners/marks; U+FEFF is the byte order mark when it leads a file.
const ZERO_WIDTH = /[\u200b-\u200d\u2060-\u2064\ufeff\u180e\u00ad]|\u034f/u;
// Direction marks, embeddings, overrides and isolates (the "Trojan Source" characters).
const BIDIRECTIONAL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

export type EmailRejectionCode =
  | "empty"
  | "control-character"
  | "zero-width-character"
  | "bidirectional-character"
  | "local-part-too-long"
  | "address-too-long"
  | "shape";

/** Why an email cannot become a Cognito user, with a reason a person can act on. */
export interface EmailRejection {
  readonly code: EmailRejectionCode;
  readonly reason: string;
}

const encoder = new TextEncoder();

/**
 * Why `email` (already trimmed) is refused, or undefined when it is acceptable. Control, zero-width and
 * bidirectional characters are refused even where Cognito might take them: an address holding them can
 * look exactly like another user's. Lengths are counted in UTF-8 octets, as RFC 5321 counts them.
 * @example emailRejection("ada\u0000@example.com")?.code // "control-character"
 */
export function emailRejection(email: string): EmailRejection | undefined {
  if (email === "") return { code: "empty", reason: "the email is empty" };
  const control = CONTROL.exec(email);
  if (control)
    return {
      code: "control-character",
      reason: `holds the control character ${codePoint(control[0])}`,
    };
  const zeroWidth = ZERO_WIDTH.exec(email);
  if (zeroWidth)
    return {
      code: "zero-width-character",
      reason: `holds the invisible character ${codePoint(zeroWidth[0])}`,
    };
  const bidi = BIDIRECTIONAL.exec(email);
  if (bidi)
    return {
      code: "bidirectional-character",
      reason: `holds the bidirectional control ${codePoint(bidi[0])}`,
    };
  const octets = encoder.encode(email).length;
  if (octets > EMAIL_LIMITS.addressOctets)
    return {
      code: "address-too-long",
      reason: `${octets} octets, more than the ${EMAIL_LIMITS.addressOctets} RFC 5321 allows`,
    };
  const at = email.lastIndexOf("@");
  const localOctets = at < 0 ? 0 : encoder.encode(email.slice(0, at)).length;
  if (localOctets > EMAIL_LIMITS.localPartOctets)
    return {
      code: "local-part-too-long",
      reason: `local part of ${localOctets} octets, more than the ${EMAIL_LIMITS.localPartOctets} RFC 5321 allows`,
    };
  if (!EMAIL_SHAPE.test(email)) return { code: "shape", reason: "is not shaped like an email address" };
  return undefined;
}

function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The key under which two emails are the same user: trimmed and lower-cased (pools are case-insensitive). */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** True when `email` is shaped like an address Cognito will accept and holds nothing that deceives. */
export function isPlausibleEmail(email: string): boolean {
  return emailRejection(email) === undefined;
}

/**
 * Trims an email as it came from Realm and checks it; keeps its case, because Realm stored it
 * case-sensitively and the user may expect to see it as typed. The message never repeats the email
 * when it holds characters that would garble a terminal or a log.
 * @example cleanEmail(" Ada@Example.com ") // "Ada@Example.com"
 */
export function cleanEmail(raw: string, field = "email"): string {
  const email = raw.trim();
  const rejection = emailRejection(email);
  if (rejection === undefined) return email;
  const shown = rejection.code === "shape" ? `"${email}" ` : "";
  throw new InvalidRecordError("INVALID_EMAIL", field, `${shown}${rejection.reason}`.trim());
}

/** True when the two emails name the same user in a case-insensitive pool. */
export function sameEmail(a: string, b: string): boolean {
  return emailKey(a) === emailKey(b);
}
