import type { SnapshotLine } from "@realm-to-cognito/core";
import type { SourceItem } from "./admin-api.js";
import { readMongoexport } from "./mongoexport.js";
import { type UserDocumentFields, userFromDocument } from "./user-document.js";

/** Users of a mongoexport file of the app's user collection, bad documents as rejects with their line. */
export async function* mongoexportUsers(
  file: string,
  fields: UserDocumentFields,
): AsyncGenerator<SourceItem> {
  for await (const item of readMongoexport(file)) {
    if ("error" in item) {
      yield { rejected: { source: "mongoexport", line: item.line, reason: item.error } };
      continue;
    }
    const result = userFromDocument(item.doc, fields, "mongoexport");
    if (result.ok) yield { user: result.user };
    else
      yield {
        rejected: {
          source: "mongoexport",
          line: item.line,
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
 * stopped can resume after the last `_id` it wrote (`afterId`).
 */
export async function* collectionUsers(
  collection: UserCollectionReader,
  fields: UserDocumentFields,
  options: { afterId?: unknown } = {},
): AsyncGenerator<SourceItem> {
  const filter = options.afterId === undefined ? {} : { [fields.mongoIdField]: { $gt: options.afterId } };
  let index = 0;
  for await (const doc of collection.find(filter, { sort: { [fields.mongoIdField]: 1 }, batchSize: 1000 })) {
    index++;
    const result = userFromDocument(doc, fields, "mongo-collection");
    if (result.ok) yield { user: result.user };
    else
      yield {
        rejected: {
          source: "mongo-collection",
          line: index,
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
