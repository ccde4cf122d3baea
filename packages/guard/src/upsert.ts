import { cloneDocument } from "./clone.js";
import { isPlainObject } from "./operation-checks.js";
import type { Document } from "./types.js";

/** Equality fields of a filter, copied, which seed an upserted document as MongoDB does. */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" && Array.isArray(value))
      Object.assign(seed, ...value.map((item) => upsertSeed(item as Document)));
    else if (key.startsWith("$") || key.includes(".")) continue;
    else if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith("$"))) {
      if ("$eq" in value) seed[key] = cloneDocument(value.$eq);
    } else seed[key] = cloneDocument(value);
  }
  return seed;
}

/**
 * The update as it applies to a document: `$setOnInsert` is dropped for one that exists, and joins
 * `$set` for one being upserted.
 */
export function modifierFor(update: Document, inserting: boolean): Document {
  const { $setOnInsert, ...rest } = update;
  if (inserting && isPlainObject($setOnInsert))
    return { ...rest, $set: { ...(rest.$set as Document), ...$setOnInsert } };
  return rest;
}

/**
 * The document a replacement upsert creates, as MongoDB builds it: the replacement, with the filter's
 * `_id` equality when the replacement has none. No other filter field is copied (unlike update upserts).
 */
export function replacementUpsert(filter: Document, replacement: Document): Document {
  const { _id } = upsertSeed(filter);
  return _id === undefined || replacement._id !== undefined
    ? cloneDocument(replacement)
    : { _id, ...cloneDocument(replacement) };
}
