import { randomBytes } from "node:crypto";

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
    const j = uniform(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}

function pick(alphabet: string): string {
  return alphabet[uniform(alphabet.length)]!;
}

// Random bytes drawn in blocks (one call per block, not per character), rejection-sampled so every
// value below `bound` is equally likely.
let pool = Buffer.alloc(0);
let offset = 0;
function uniform(bound: number): number {
  const limit = 256 - (256 % bound);
  for (;;) {
    if (offset >= pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
    const byte = pool[offset++]!;
    if (byte < limit) return byte % bound;
  }
}
