import {
  bsonIdString,
  emailRejection,
  readDottedPath,
  type SnapshotLine,
  type StatusFieldMapping,
  statusFromDocument,
} from "@realm-to-cognito/core";

/** How the app's user documents name their fields, and how they say a user's state. */
export interface CollectionFields {
  readonly userIdField: string;
  readonly emailField: string;
  readonly mongoIdField: string;
  readonly extraFields: readonly string[];
  /** Unset: every user of the collection alone is pending (a document proves no confirmed email). */
  readonly status?: StatusFieldMapping;
}

export type CollectionDocumentResult =
  | { readonly ok: true; readonly user: SnapshotLine }
  | { readonly ok: false; readonly reason: string; readonly ref?: string };

/**
 * One document of the app's user collection as a snapshot user. The `_id` becomes its deterministic
 * string whatever its BSON type (`rawId`, the value as the file wrote it, keeps digits a relaxed
 * integer past 2^53 would lose); the email must pass core's checks; the state comes from the
 * configured status or verified field and is never assumed confirmed.
 */
export function userFromCollectionDocument(
  doc: Readonly<Record<string, unknown>>,
  fields: CollectionFields,
  source: "mongo-collection" | "mongoexport",
  rawId: unknown = readDottedPath(doc, fields.mongoIdField),
): CollectionDocumentResult {
  const id = bsonIdString(rawId);
  if (!id.ok) return { ok: false, reason: `${fields.mongoIdField}: ${id.reason}` };
  const ref = id.id;
  const realmId = bsonIdString(readDottedPath(doc, fields.userIdField));
  if (!realmId.ok) return { ok: false, ref, reason: `${fields.userIdField}: ${realmId.reason}` };
  if (!/^[0-9a-f]{24}$/.test(realmId.id))
    return {
      ok: false,
      ref,
      reason: `${fields.userIdField}: "${realmId.id.slice(0, 40)}" is not a Realm user id`,
    };
  const rawEmail = readDottedPath(doc, fields.emailField);
  if (typeof rawEmail !== "string" || rawEmail.trim() === "")
    return { ok: false, ref, reason: `${fields.emailField}: missing` };
  const email = rawEmail.trim();
  const rejection = emailRejection(email);
  if (rejection) return { ok: false, ref, reason: `${fields.emailField}: ${rejection.reason}` };
  const status = statusFromDocument(doc, fields.status ?? {});
  if (!status.ok) return { ok: false, ref, reason: status.reason };
  const extra: Record<string, string> = {};
  for (const field of fields.extraFields) {
    const value = scalarString(readDottedPath(doc, field));
    if (value !== undefined) extra[field] = value;
  }
  return {
    ok: true,
    user: {
      realmUserId: realmId.id,
      email,
      mongoId: id.id,
      confirmed: status.confirmed,
      disabled: status.disabled,
      ...(Object.keys(extra).length ? { extra } : {}),
      source,
    },
  };
}

function scalarString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  const id = bsonIdString(value);
  return id.ok ? id.id.replace(/^date:/, "") : undefined;
}
