import { randomInt } from "node:crypto";

const LOWER = "abcdefghijkmnopqrstuvwxyz";
const UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS = "23456789";
const SYMBOLS = "^$*.[]{}()?!@#%&/,><:;|_~";
const ALL = LOWER + UPPER + DIGITS + SYMBOLS;

/**
 * A password nobody knows and nobody keeps: 40 characters from a CSPRNG, with every class Cognito's
 * policies can demand. It exists only so the user is CONFIRMED (ForgotPassword refuses
 * FORCE_CHANGE_PASSWORD users) while no sign-in can succeed until the user resets.
 */
export function unknowablePassword(length = 40): string {
  const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(ALL));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)]!;
}
