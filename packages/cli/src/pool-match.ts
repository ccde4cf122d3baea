import { emailKey } from "@realm-to-cognito/core";

/** What the matcher reads of a source user (a snapshot line or a ledger row). */
export interface MatchSource {
  readonly realmUserId?: string | undefined;
  readonly email: string;
}

/** What the matcher reads of a pool user (a listed `PoolUser`, or one AdminGetUser described). */
export interface MatchCandidate {
  readonly username: string;
  readonly email?: string | undefined;
  readonly realmUserId?: string | undefined;
  readonly createdAt?: string | undefined;
}

export interface PoolMatch<P extends MatchCandidate> {
  /** The pool user the source user is. */
  readonly poolUser: P;
  /** Found by `custom:realm_user_id`, or, when no pool user has the source's, by email alone. */
  readonly by: "realm-user-id" | "email";
  /** Every pool user found the same way, in the order below; more than one is a duplicate in the pool. */
  readonly candidates: readonly P[];
  /**
   * The pool user carries the source's own Realm user id (none for both, for a pending registration).
   * False for an email match that belongs to another Realm user (or to none when the source has one):
   * a conflict for `plan`, the engines and `verify`.
   */
  readonly sameRealmUser: boolean;
}

/**
 * THE rule that says which pool user a source user is; plan, verify, status, report (every operator
 * view) and both import engines ask it:
 * 1. the pool users whose `custom:realm_user_id` is the source's Realm user id;
 * 2. if there are none, the pool users whose email equals the source's compared case-insensitively
 *    (trimmed, lower-cased: `emailKey`);
 * 3. otherwise none.
 * Ties (two pool users found the same way) are broken, in order, by: the same email as the source
 * first, then the same Realm user id (none for both) first, then the earliest pool creation date (none
 * last), then the lowest username (code unit order). The pick never depends on the order the pool was
 * listed or stored in.
 */
export function matchPoolUser<P extends MatchCandidate>(
  source: MatchSource,
  pool: { readonly byRealmUserId: readonly P[]; readonly byEmail: readonly P[] },
): PoolMatch<P> | undefined {
  const { realmUserId } = source;
  if (realmUserId !== undefined) {
    const byId = pool.byRealmUserId.filter((p) => p.realmUserId === realmUserId);
    if (byId.length > 0) return picked(source, "realm-user-id", byId);
  }
  if (pool.byEmail.length === 0) return undefined;
  const sourceEmail = emailKey(source.email);
  const byEmail = pool.byEmail.filter((p) => p.email !== undefined && emailKey(p.email) === sourceEmail);
  return byEmail.length > 0 ? picked(source, "email", byEmail) : undefined;
}

function picked<P extends MatchCandidate>(
  source: MatchSource,
  by: PoolMatch<P>["by"],
  found: P[],
): PoolMatch<P> {
  // The view and status ask this once per user: most users have exactly one candidate, left unsorted.
  const candidates =
    found.length === 1 ? found : [...found].sort((a, b) => tieOrder(source, emailKey(source.email), a, b));
  const poolUser = candidates[0]!;
  return { poolUser, by, candidates, sameRealmUser: poolUser.realmUserId === source.realmUserId };
}

function tieOrder(source: MatchSource, sourceEmail: string, a: MatchCandidate, b: MatchCandidate): number {
  const sameEmail = (p: MatchCandidate) =>
    p.email !== undefined && emailKey(p.email) === sourceEmail ? 0 : 1;
  const sameId = (p: MatchCandidate) => (p.realmUserId === source.realmUserId ? 0 : 1);
  const created = (p: MatchCandidate) =>
    p.createdAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(p.createdAt);
  return (
    sameEmail(a) - sameEmail(b) ||
    sameId(a) - sameId(b) ||
    created(a) - created(b) ||
    (a.username < b.username ? -1 : a.username > b.username ? 1 : 0)
  );
}
