import { bsonIdString } from "./bson-id.js";
import { emailRejection } from "./email.js";
import type { SourceUser } from "./user.js";

/**
 * flowerbase (github.com/flowerforce/flowerbase), the App Services-compatible server, keeps its
 * email/password users in the `auth_users` collection (database `auth_database`, else the custom user
 * data database). One document a user, written by its registration (src/shared/handleUserRegistration.ts):
 *
 * `{ _id: ObjectId, email, password: "<scrypt hex>.<salt hex>", status: "pending" | "confirmed" | "failed",
 *    createdAt: Date, lastLoginAt?: Date, custom_data, identities: [{ id, provider_id, provider_type,
 *    provider_data: { email } }] }`
 *
 * Its user id is `_id` as 24 hex (the `sub` of its tokens and the key of the custom user data), and a
 * user exported from Realm by flowerbase's users-exporter keeps its Realm user id as `_id`. Sign-in
 * needs `status: "confirmed"`; "failed" means the confirmation function failed, so the email was never
 * confirmed either.
 */
export const FLOWERBASE_AUTH_COLLECTION = "auth_users";

export type FlowerbaseUserResult =
  | { readonly ok: true; readonly user: SourceUser }
  | { readonly ok: false; readonly reason: string; readonly ref?: string };

const FLOWERBASE_STATUS: Readonly<Record<string, { confirmed: boolean }>> = {
  confirmed: { confirmed: true },
  pending: { confirmed: false },
  failed: { confirmed: false },
};

/**
 * One `auth_users` document as a source user, from canonical or relaxed Extended JSON (`mongoexport`)
 * or from the driver. The password hash is never read into the user.
 * @example userFromFlowerbaseAuthUser({ _id: { $oid: "65…" }, email: "a@b.co", status: "confirmed" })
 */
export function userFromFlowerbaseAuthUser(doc: Readonly<Record<string, unknown>>): FlowerbaseUserResult {
  const id = bsonIdString(doc._id);
  if (!id.ok) return { ok: false, reason: `_id: ${id.reason}` };
  const ref = id.id;
  if (!/^[0-9a-f]{24}$/.test(id.id))
    return {
      ok: false,
      ref,
      reason: `_id: "${id.id.slice(0, 40)}" is not an ObjectId, so not a flowerbase user id`,
    };
  const identities = doc.identities;
  if (Array.isArray(identities) && identities.length > 0) {
    const password = identities.some(
      (identity) =>
        typeof identity === "object" &&
        identity !== null &&
        (identity as { provider_type?: unknown }).provider_type === "local-userpass",
    );
    if (!password)
      return { ok: false, ref, reason: "identities: no email/password (local-userpass) identity" };
  }
  if (typeof doc.email !== "string" || doc.email.trim() === "")
    return { ok: false, ref, reason: "email: missing" };
  const email = doc.email.trim();
  const rejection = emailRejection(email);
  if (rejection) return { ok: false, ref, reason: `email: ${rejection.reason}` };
  if (doc.status === undefined || doc.status === null) return { ok: false, ref, reason: "status: missing" };
  const status = typeof doc.status === "string" ? FLOWERBASE_STATUS[doc.status] : undefined;
  if (status === undefined)
    return {
      ok: false,
      ref,
      reason: `status: "${String(doc.status).slice(0, 40)}" is not a flowerbase status (confirmed, pending, failed)`,
    };
  const createdAt = dateIso(doc.createdAt);
  const lastAuthenticatedAt = dateIso(doc.lastLoginAt);
  return {
    ok: true,
    user: {
      realmUserId: id.id,
      email,
      confirmed: status.confirmed,
      disabled: false,
      ...(createdAt ? { createdAt } : {}),
      ...(lastAuthenticatedAt ? { lastAuthenticatedAt } : {}),
    },
  };
}

/** A date from Extended JSON (`{"$date": …}` canonical or relaxed) or the driver, as ISO-8601; else undefined. */
export function dateIso(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value !== "object" || value === null || !("$date" in value)) return undefined;
  const date = (value as { $date: unknown }).$date;
  let time: number | undefined;
  if (typeof date === "string") time = Date.parse(date);
  else if (typeof date === "number") time = date;
  else if (typeof date === "object" && date !== null) {
    const long = (date as { $numberLong?: unknown }).$numberLong;
    if (typeof long === "string") time = Number(long);
  }
  if (time === undefined || Number.isNaN(time)) return undefined;
  const parsed = new Date(time);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed.toISOString();
}
