import {
  FLOWERBASE_AUTH_COLLECTION,
  type SnapshotLine,
  type SourcePosition,
  userFromFlowerbaseAuthUser,
} from "@realm-to-cognito/core";
import type { RejectedRow } from "../snapshot-file.js";
import { readMongoexport } from "./mongoexport.js";

/** A user or a reject of a source, each with where it sits in what the operator gave. */
export type PositionedItem =
  | { readonly user: SnapshotLine & { readonly at: SourcePosition } }
  | { readonly rejected: RejectedRow & { readonly at: SourcePosition } };

/**
 * flowerbase's email/password users from a `mongoexport` of its `auth_users` collection (canonical or
 * relaxed Extended JSON, lines or one array), each with its status; every document is a user or a
 * reject naming its line in `file`.
 */
export async function* flowerbaseFileUsers(file: string): AsyncGenerator<PositionedItem> {
  for await (const item of readMongoexport(file)) {
    const at: SourcePosition = { kind: "file", file, line: item.line };
    if ("error" in item)
      yield { rejected: { source: "flowerbase", line: item.line, at, reason: item.error } };
    else yield fromDocument(item.raw, at, item.line);
  }
}

/** The slice of the driver's collection this source reads (tests pass a fake). */
export interface AuthUsersReader {
  find(
    filter: Record<string, unknown>,
    options: { sort: Record<string, 1>; batchSize: number; projection: Record<string, 0> },
  ): AsyncIterable<Record<string, unknown>>;
}

/**
 * flowerbase's users straight from its `auth_users` collection (MONGODB_URI), in `_id` order; the
 * password hashes are left in the database (projected out).
 */
export async function* flowerbaseCollectionUsers(
  collection: AuthUsersReader,
  name = FLOWERBASE_AUTH_COLLECTION,
): AsyncGenerator<PositionedItem> {
  let index = 0;
  const cursor = collection.find(
    {},
    { sort: { _id: 1 }, batchSize: 1000, projection: { password: 0, confirmationToken: 0 } },
  );
  for await (const doc of cursor) {
    index++;
    yield fromDocument(doc, { kind: "collection", collection: name, index }, index);
  }
}

function fromDocument(doc: Record<string, unknown>, at: SourcePosition, line: number): PositionedItem {
  const result = userFromFlowerbaseAuthUser(doc);
  if (result.ok) return { user: { ...result.user, at, source: "flowerbase" } };
  return {
    rejected: {
      source: "flowerbase",
      line,
      at,
      ...(result.ref !== undefined ? { ref: result.ref } : {}),
      reason: result.reason,
    },
  };
}
