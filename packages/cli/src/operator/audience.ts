import { emailKey, isPlausibleEmail } from "@realm-to-cognito/core";
import { OperatorError } from "../errors.js";
import type { Recipient } from "../ledger/send-ledger.js";
import type { OperatorUser } from "./ledger-view.js";

/**
 * Who a campaign writes to:
 * - imported-awaiting-reset: imported in phase 2 and not known to have reset (the default)
 * - still-in-realm: confirmed, enabled users not in Cognito yet, e.g. "sign in before the switch to keep
 *   your password" during phase 1
 */
export const AUDIENCES = ["imported-awaiting-reset", "still-in-realm"] as const;
export type AudienceName = (typeof AUDIENCES)[number];

export function parseAudience(value: string): AudienceName {
  if ((AUDIENCES as readonly string[]).includes(value)) return value as AudienceName;
  throw new OperatorError("BAD_AUDIENCE", `unknown audience "${value}"; use one of: ${AUDIENCES.join(", ")}`);
}

function belongs(audience: AudienceName, user: OperatorUser): boolean {
  if (user.disabled || !isPlausibleEmail(user.email.trim())) return false;
  switch (audience) {
    case "imported-awaiting-reset":
      return user.state === "imported-awaiting-reset";
    case "still-in-realm":
      return user.confirmed && (user.state === "still-in-realm" || user.state === "import-failed");
  }
}

/** The recipients of an audience, one per email (two source users with one email get one message). */
export function* recipientsOf(audience: AudienceName, users: Iterable<OperatorUser>): Generator<Recipient> {
  const seen = new Set<string>();
  for (const user of users) {
    if (!belongs(audience, user)) continue;
    const key = emailKey(user.email);
    if (seen.has(key)) continue;
    seen.add(key);
    yield { userKey: user.key, email: user.email.trim() };
  }
}
