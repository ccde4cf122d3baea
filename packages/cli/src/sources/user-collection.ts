import type { SnapshotLine, SourcePosition } from "@realm-to-cognito/core";
import type { SourceItem } from "./admin-api.js";
import { type CollectionFields, userFromCollectionDocument } from "./collection-document.js";
import { readMongoexport } from "./mongoexport.js";

/**
 * Users of a mongoexport file of the app's user collection; bad documents become rejects naming their
 * line in that file, and every user carries its line too (`at`), so plan can name it later.
 */
export async function* mongoexportUsers(file: string, fields: CollectionFields): AsyncGenerator<SourceItem> {
  for await (const item of readMongoexport(file)) {
    const at: SourcePosition = { kind: "file", file, line: item.line };
    if ("error" in item) {
      yield { rejected: { source: "mongoexport", line: item.line, at, reason: item.error } };
      continue;
    }
    const result = userFromCollectionDocument(item.raw, fields, "mongoexport");
    if (result.ok) yield { user: { ...result.user, at } };
    else
      yield {
        rejected: {
          source: "mongoexport",
          line: item.line,
          at,
          ...(result.ref ? { ref: result.ref } : {}),
          reason: result.reason,
        },
      };
  }
}

/** The smallest slice of the driver's collection this source needs (so tests can pass a fake). */
export interface UserCollectionReader {
  find(
    filter: Record<string, unknown>,
    options: { sort: Record<string, 1>; batchSize: number },
  ): AsyncIterable<Record<string, unknown>>;
}

/**
 * Users of the app's collection through the official driver: a cursor sorted by `_id`, so a run that
 * stopped can resume after the last `_id` it wrote (`afterId`). A position is the document's place in
 * that order (`name` says which collection).
 */
export async function* collectionUsers(
  collection: UserCollectionReader,
  fields: CollectionFields,
  options: { afterId?: unknown; name?: string; indexBefore?: number } = {},
): AsyncGenerator<SourceItem> {
  const filter = options.afterId === undefined ? {} : { [fields.mongoIdField]: { $gt: options.afterId } };
  const name = options.name ?? "user collection";
  let index = options.indexBefore ?? 0;
  for await (const doc of collection.find(filter, { sort: { [fields.mongoIdField]: 1 }, batchSize: 1000 })) {
    index++;
    const at: SourcePosition = { kind: "collection", collection: name, index };
    const result = userFromCollectionDocument(doc, fields, "mongo-collection");
    if (result.ok) yield { user: { ...result.user, at } };
    else
      yield {
        rejected: {
          source: "mongo-collection",
          line: index,
          at,
          ...(result.ref ? { ref: result.ref } : {}),
          reason: result.reason,
        },
      };
  }
}

/** Only the users of a source, for joins. */
export async function* usersOnly(items: AsyncIterable<SourceItem>): AsyncGenerator<SnapshotLine> {
  for await (const item of items) if ("user" in item) yield item.user;
}
