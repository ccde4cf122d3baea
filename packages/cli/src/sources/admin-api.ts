import { adminApiPosition, emailRejection, type SnapshotLine } from "@realm-to-cognito/core";
import { type AdminClient, emailOf, type RealmAdminUser } from "@realm-to-cognito/realm";
import type { RejectedRow } from "../snapshot-file.js";

export type SourceItem = { user: SnapshotLine } | { rejected: RejectedRow };

/**
 * Every email/password user of the app through the Admin API (confirmed users, paged by `after`), then
 * every pending registration, flagged `confirmed: false`: the answer to "extract the unverified users".
 */
export async function* adminApiUsers(
  admin: Pick<AdminClient, "users" | "pendingUsers">,
  options: { pending?: boolean; usersBefore?: number } = {},
): AsyncGenerator<SourceItem> {
  // A resumed listing starts after the last user written: positions go on from there.
  let index = options.usersBefore ?? 0;
  for await (const user of admin.users()) {
    index++;
    yield fromAdminUser(user, index);
  }
  if (options.pending === false) return;
  let pendingIndex = 0;
  for await (const pending of admin.pendingUsers()) {
    pendingIndex++;
    const at = adminApiPosition("pending", pendingIndex);
    const email = pending.email.trim();
    const rejection = email === "" ? "missing" : emailRejection(email)?.reason;
    if (rejection !== undefined)
      yield {
        rejected: {
          source: "pending-registrations",
          line: pendingIndex,
          at,
          ref: pending.id,
          reason: `email: ${rejection}`,
        },
      };
    else yield { user: { email, confirmed: false, disabled: false, at, source: "pending-registrations" } };
  }
}

function fromAdminUser(user: RealmAdminUser, index: number): SourceItem {
  const at = adminApiPosition("users", index);
  const hasPasswordIdentity = user.identities.some((identity) => identity.providerType === "local-userpass");
  if (!hasPasswordIdentity) {
    const kinds = user.identities.map((identity) => identity.providerType).join(", ") || "none";
    return {
      rejected: {
        source: "admin-api",
        line: index,
        at,
        ref: user.id,
        reason: `no email/password identity (${kinds})`,
      },
    };
  }
  const email = emailOf(user)?.trim();
  const rejection = email ? emailRejection(email)?.reason : "missing";
  if (rejection !== undefined || !email)
    return {
      rejected: { source: "admin-api", line: index, at, ref: user.id, reason: `email: ${rejection}` },
    };
  if (!/^[0-9a-f]{24}$/.test(user.id))
    return {
      rejected: { source: "admin-api", line: index, at, ref: user.id, reason: "_id: not a Realm user id" },
    };
  return {
    user: {
      realmUserId: user.id,
      email,
      confirmed: true,
      disabled: user.disabled,
      ...(user.creationDate ? { createdAt: new Date(user.creationDate * 1000).toISOString() } : {}),
      ...(user.lastAuthenticationDate
        ? { lastAuthenticatedAt: new Date(user.lastAuthenticationDate * 1000).toISOString() }
        : {}),
      at,
      source: "admin-api",
    },
  };
}
