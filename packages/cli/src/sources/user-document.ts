import { isPlausibleEmail, type SnapshotLine } from "@realm-to-cognito/core";

/** How the app's user documents name their fields. */
export interface UserDocumentFields {
  readonly userIdField: string;
  readonly emailField: string;
  readonly mongoIdField: string;
  readonly extraFields: readonly string[];
}

export type DocumentResult = { ok: true; user: SnapshotLine } | { ok: false; reason: string; ref?: string };

/**
 * Turns one document of the app's user collection into a snapshot user. Documents exist for users who
 * signed in at least once, so they count as confirmed; the Admin API, when joined, says otherwise.
 */
export function userFromDocument(
  doc: Readonly<Record<string, unknown>>,
  fields: UserDocumentFields,
  source: "mongo-collection" | "mongoexport",
): DocumentResult {
  const mongoId = idString(readPath(doc, fields.mongoIdField));
  const ref = mongoId;
  if (mongoId === undefined) return { ok: false, reason: `${fields.mongoIdField}: missing`, ...refOf(ref) };
  const realmUserId = idString(readPath(doc, fields.userIdField));
  if (realmUserId === undefined)
    return { ok: false, reason: `${fields.userIdField}: missing`, ...refOf(ref) };
  if (!/^[0-9a-f]{24}$/.test(realmUserId))
    return {
      ok: false,
      reason: `${fields.userIdField}: "${realmUserId}" is not a Realm user id`,
      ...refOf(ref),
    };
  const rawEmail = readPath(doc, fields.emailField);
  if (typeof rawEmail !== "string" || rawEmail.trim() === "")
    return { ok: false, reason: `${fields.emailField}: missing`, ...refOf(ref) };
  const email = rawEmail.trim();
  if (!isPlausibleEmail(email))
    return {
      ok: false,
      reason: `${fields.emailField}: "${email}" is not a valid email address`,
      ...refOf(ref),
    };
  const extra: Record<string, string> = {};
  for (const field of fields.extraFields) {
    const value = scalarString(readPath(doc, field));
    if (value !== undefined) extra[field] = value;
  }
  return {
    ok: true,
    user: {
      realmUserId,
      email,
      mongoId,
      confirmed: true,
      disabled: false,
      ...(Object.keys(extra).length ? { extra } : {}),
      source,
    },
  };
}

function refOf(ref: string | undefined): { ref?: string } {
  return ref === undefined ? {} : { ref };
}

/** Reads a dotted path (`profile.email`). */
export function readPath(doc: Readonly<Record<string, unknown>>, path: string): unknown {
  let node: unknown = doc;
  for (const key of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** An id as a string: ObjectId → 24-hex, strings kept, numbers printed. */
export function idString(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "object" && value !== null) {
    const objectId = value as { _bsontype?: unknown; toHexString?: () => string };
    if (objectId._bsontype === "ObjectId" && typeof objectId.toHexString === "function")
      return objectId.toHexString();
  }
  return undefined;
}

function scalarString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value instanceof Date) return value.toISOString();
  const id = idString(value);
  if (id !== undefined) return id;
  if (typeof value === "object" && value !== null && "toString" in value) {
    const kind = (value as { _bsontype?: unknown })._bsontype;
    if (kind === "Long" || kind === "Int32" || kind === "Double" || kind === "Decimal128")
      return String(value);
  }
  return undefined;
}
