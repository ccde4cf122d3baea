import { readFileSync } from "node:fs";
import { parseSnapshotLine } from "@realm-to-cognito/core";
import { type AdminClient, emailOf } from "@realm-to-cognito/realm";
import type { ForecastUser } from "./forecast.js";
import { isInCognito, type LedgerView } from "./ledger-view.js";

export interface KnownKeys {
  /** Already in Cognito, whichever phase moved them: the forecast starts from the others. */
  readonly inCognito: ReadonlySet<string>;
  /** Rejected by the plan: never moved, so outside the population every view counts. */
  readonly rejected: ReadonlySet<string>;
}

export function knownKeysOf(view: LedgerView): KnownKeys {
  const inCognito = new Set<string>();
  const rejected = new Set<string>();
  for (const user of view.users()) {
    if (isInCognito(user.state)) inCognito.add(user.key);
    else if (user.state === "rejected") rejected.add(user.key);
  }
  return { inCognito, rejected };
}

/**
 * The forecast's population: the ledger's users to move (the rejected will never move), those already in
 * Cognito marked so, the same users `status`, `report` and notify's audiences count (see populationOf).
 */
export function forecastUsersOf(view: LedgerView, snapshot: string | undefined): ForecastUser[] {
  const users: ForecastUser[] = [];
  for (const user of view.users()) {
    if (user.state === "rejected") continue;
    users.push({
      key: user.key,
      email: user.email,
      lastSignInAt: user.lastAuthenticatedAt === undefined ? undefined : Date.parse(user.lastAuthenticatedAt),
      migrated: isInCognito(user.state),
    });
  }
  if (snapshot === undefined) return users;
  const known = knownKeysOf(view);
  // A snapshot gives the population; the ledger (if any) says who phase 1 already moved.
  const fromSnapshot: ForecastUser[] = [];
  for (const line of readFileSync(snapshot, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const parsed = parseSnapshotLine(line);
    if (!parsed.ok || parsed.user.realmUserId === undefined) continue;
    if (known.rejected.has(parsed.user.realmUserId)) continue;
    fromSnapshot.push({
      key: parsed.user.realmUserId,
      email: parsed.user.email,
      lastSignInAt:
        parsed.user.lastAuthenticatedAt === undefined
          ? undefined
          : Date.parse(parsed.user.lastAuthenticatedAt),
      migrated: known.inCognito.has(parsed.user.realmUserId),
    });
  }
  return fromSnapshot;
}

/** A view of an empty ledger: `forecast` from a snapshot or the Admin API needs no ledger. */
export const EMPTY_VIEW: LedgerView = {
  users: () => [],
  migrationsByDay: () => [],
  rejectsByReason: () => [],
  problems: () => ({ total: 0, first: [] }),
};

/** The Admin API's users phase 1 can still move, with their last sign-in. */
export async function adminApiUsers(admin: AdminClient, known: KnownKeys): Promise<ForecastUser[]> {
  const users: ForecastUser[] = [];
  for await (const user of admin.users()) {
    if (user.disabled) continue; // a disabled user cannot sign in, so phase 1 cannot move them
    if (known.rejected.has(user.id)) continue; // the plan will not move them: not in the population
    users.push({
      key: user.id,
      email: emailOf(user) ?? user.id,
      lastSignInAt:
        user.lastAuthenticationDate === undefined ? undefined : user.lastAuthenticationDate * 1000,
      migrated: known.inCognito.has(user.id),
    });
  }
  return users;
}
