import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

// This is an emulator, not a security boundary: one salted SHA-256 keeps seeding 100,000 users fast.
// Never reuse this scheme for real passwords.

/** `sha256$<salt>$<digest>`; `salt` may be given for deterministic seeding. */
export function hashPassword(password: string, salt: string = randomBytes(8).toString("hex")): string {
  return `sha256$${salt}$${digest(salt, password)}`;
}

export function passwordMatches(password: string, stored: string): boolean {
  const [scheme, salt, expected] = stored.split("$");
  if (scheme !== "sha256" || salt === undefined || expected === undefined) return false;
  const actual = Buffer.from(digest(salt, password), "hex");
  const wanted = Buffer.from(expected, "hex");
  return actual.length === wanted.length && timingSafeEqual(actual, wanted);
}

function digest(salt: string, password: string): string {
  return createHash("sha256").update(salt).update("\0").update(password, "utf8").digest("hex");
}
