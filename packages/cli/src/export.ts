import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_API_PAGE_SIZE, type SnapshotLine, type SourcePosition } from "@realm-to-cognito/core";
import type { AdminClient } from "@realm-to-cognito/realm";
import { ObjectId } from "bson";
import { CliError } from "./errors.js";
import { JoinStore } from "./ledger/join-store.js";
import { type SnapshotManifest, type SnapshotPaths, SnapshotWriter } from "./snapshot-file.js";
import { adminApiUsers, type SourceItem } from "./sources/admin-api.js";
import type { CollectionFields } from "./sources/collection-document.js";
import {
  type AuthUsersReader,
  flowerbaseCollectionUsers,
  flowerbaseFileUsers,
} from "./sources/flowerbase.js";
import { collectionUsers, mongoexportUsers, type UserCollectionReader } from "./sources/user-collection.js";

/** Where the app's user collection comes from. */
export type CollectionSource =
  | { readonly kind: "mongoexport"; readonly file: string }
  | { readonly kind: "driver"; readonly collection: UserCollectionReader; readonly name?: string };

/** flowerbase's `auth_users`: a mongoexport of it, or the collection. */
export type FlowerbaseSource =
  | { readonly kind: "mongoexport"; readonly file: string }
  | { readonly kind: "driver"; readonly collection: AuthUsersReader; readonly name?: string };

export interface ExportOptions {
  /** The snapshot file to write (NDJSON); the manifest and rejects go beside it. */
  readonly out: string;
  readonly adminApi?: Pick<AdminClient, "users" | "pendingUsers">;
  /** flowerbase's users (instead of the Admin API): the auth source the collection joins onto. */
  readonly flowerbase?: FlowerbaseSource;
  /** Include pending registrations from the Admin API (default true). */
  readonly pending?: boolean;
  readonly collection?: CollectionSource;
  readonly fields: CollectionFields;
  /** Keep what an earlier, interrupted export wrote and continue after its last user. */
  readonly resume?: boolean;
  readonly onProgress?: (written: number, rejected: number) => void;
}

export interface ExportResult {
  readonly manifest: SnapshotManifest;
  readonly paths: SnapshotPaths;
}

/**
 * Writes a snapshot from the Admin API, the app's user collection, or both joined by Realm user id
 * (the collection fills `mongoId` and the mapped extra fields). Bad rows go to the rejects file.
 */
export async function exportSnapshot(options: ExportOptions): Promise<ExportResult> {
  const writer = await SnapshotWriter.open(options.out, { resume: options.resume ?? false });
  try {
    return await writeSnapshot(options, writer);
  } catch (error) {
    await writer.abandon();
    throw error;
  }
}

async function writeSnapshot(options: ExportOptions, writer: SnapshotWriter): Promise<ExportResult> {
  const sources: string[] = [];
  let items: AsyncIterable<SourceItem>;
  let cleanup = (): void => {};
  if (options.adminApi) {
    sources.push("admin-api");
    if (options.pending !== false) sources.push("pending-registrations");
    const admin = resumeAdmin(options.adminApi, writer.resumedFrom);
    const listing = {
      pending: options.pending ?? true,
      ...(admin !== options.adminApi ? { usersBefore: ordinalOf(writer.resumedFrom?.at) } : {}),
    };
    if (options.collection) {
      sources.push(options.collection.kind === "driver" ? "mongo-collection" : "mongoexport");
      const join = await CollectionIndex.build(collectionItems(options, undefined), writer);
      cleanup = () => join.close();
      items = join.enrich(adminApiUsers(admin, listing), writer.resumedFrom);
    } else items = adminApiUsers(admin, listing);
    if (writer.resumedFrom) items = skipUntilPast(items, writer.resumedFrom, options.adminApi !== admin);
  } else if (options.flowerbase) {
    sources.push("flowerbase");
    const flowerbase = flowerbaseItems(options.flowerbase);
    if (options.collection) {
      sources.push(options.collection.kind === "driver" ? "mongo-collection" : "mongoexport");
      const join = await CollectionIndex.build(collectionItems(options, undefined), writer);
      cleanup = () => join.close();
      items = join.enrich(flowerbase, writer.resumedFrom);
    } else items = flowerbase;
    if (writer.resumedFrom) items = skipUntilPast(items, writer.resumedFrom, false);
  } else if (options.collection) {
    sources.push(options.collection.kind === "driver" ? "mongo-collection" : "mongoexport");
    items = collectionItems(options, writer.resumedFrom?.mongoId, ordinalOf(writer.resumedFrom?.at));
  } else throw new TypeError("exportSnapshot needs adminApi, flowerbase or collection");

  try {
    for await (const item of items) {
      if ("user" in item) await writer.write(item.user);
      else await writer.reject(item.rejected);
      if ((writer.written + writer.rejected) % 500 === 0)
        options.onProgress?.(writer.written, writer.rejected);
    }
  } finally {
    cleanup();
  }
  options.onProgress?.(writer.written, writer.rejected);
  return { manifest: await writer.finish(sources), paths: writer.paths };
}

function flowerbaseItems(source: FlowerbaseSource): AsyncIterable<SourceItem> {
  return source.kind === "mongoexport"
    ? flowerbaseFileUsers(source.file)
    : flowerbaseCollectionUsers(source.collection, source.name);
}

/** How many items of its list came before a user, from its position (0 when unknown). */
function ordinalOf(at: SourcePosition | undefined): number {
  if (at?.kind === "admin-api") return (at.page - 1) * ADMIN_API_PAGE_SIZE + at.index;
  if (at?.kind === "collection") return at.index;
  return 0;
}

function collectionItems(
  options: ExportOptions,
  afterMongoId: string | undefined,
  resumedIndex = 0,
): AsyncIterable<SourceItem> {
  const source = options.collection!;
  if (source.kind === "driver") {
    // The string form of a number, binary or date `_id` cannot be compared with the stored value, and
    // `$gt` across BSON types would skip users silently: such a run starts again instead.
    if (afterMongoId !== undefined && /^(-?[\d.]+(e[+-]\d+)?|uuid:.*|binary:.*|date:.*)$/.test(afterMongoId))
      throw new CliError(
        "BAD_USAGE",
        `cannot resume after _id "${afterMongoId}" (a number, binary or date _id): export again without --resume`,
      );
    const afterId =
      afterMongoId === undefined
        ? undefined
        : /^[0-9a-f]{24}$/.test(afterMongoId)
          ? new ObjectId(afterMongoId)
          : afterMongoId;
    return collectionUsers(source.collection, options.fields, {
      ...(afterId === undefined ? {} : { afterId, indexBefore: resumedIndex }),
      ...(source.name ? { name: source.name } : {}),
    });
  }
  const all = mongoexportUsers(source.file, options.fields);
  return afterMongoId === undefined ? all : skipPastMongoId(all, afterMongoId);
}

// A file has no index on _id: skip in file order up to and including the last document written.
async function* skipPastMongoId(
  items: AsyncIterable<SourceItem>,
  mongoId: string,
): AsyncGenerator<SourceItem> {
  let past = false;
  for await (const item of items) {
    if (past) yield item;
    else if ("user" in item && item.user.mongoId === mongoId) past = true;
  }
}

function resumeAdmin(
  admin: Pick<AdminClient, "users" | "pendingUsers">,
  last: SnapshotLine | undefined,
): Pick<AdminClient, "users" | "pendingUsers"> {
  if (last?.source !== "admin-api" || last.realmUserId === undefined) return admin;
  const after = last.realmUserId;
  return {
    users: (query = {}) => admin.users({ ...query, after }),
    pendingUsers: (cursor) => admin.pendingUsers(cursor),
  };
}

// Pending registrations have no id in the snapshot: resume skips up to the last one written, by email.
async function* skipUntilPast(
  items: AsyncIterable<SourceItem>,
  last: SnapshotLine,
  adminResumedByCursor: boolean,
): AsyncGenerator<SourceItem> {
  if (adminResumedByCursor) {
    yield* items;
    return;
  }
  let past = false;
  for await (const item of items) {
    if (past) yield item;
    else if (
      "user" in item &&
      item.user.source === last.source &&
      item.user.email === last.email &&
      item.user.realmUserId === last.realmUserId
    )
      past = true;
  }
}

/**
 * The user collection indexed by Realm user id in a temporary SQLite file, so the join costs disk,
 * not memory. Documents no Admin API user claims are reported as rejects at the end.
 */
class CollectionIndex {
  private constructor(
    private readonly store: JoinStore,
    private readonly dir: string,
    private readonly writer: SnapshotWriter,
  ) {}

  static async build(items: AsyncIterable<SourceItem>, writer: SnapshotWriter): Promise<CollectionIndex> {
    const dir = mkdtempSync(join(tmpdir(), "r2c-join-"));
    const store = new JoinStore(dir);
    const flush = (users: SnapshotLine[]) =>
      store.addDocs(
        users.map((user) => ({
          realmUserId: user.realmUserId!,
          mongoId: user.mongoId!,
          extra: user.extra ? JSON.stringify(user.extra) : null,
          at: user.at ? JSON.stringify(user.at) : null,
        })),
      );
    writer.startJoin();
    let buffer: SnapshotLine[] = [];
    for await (const item of items) {
      if ("rejected" in item) await writer.reject(item.rejected);
      else if (item.user.realmUserId !== undefined) buffer.push(item.user);
      if (buffer.length >= 5_000) {
        flush(buffer);
        buffer = [];
      }
    }
    flush(buffer);
    return new CollectionIndex(store, dir, writer);
  }

  async *enrich(
    items: AsyncIterable<SourceItem>,
    resumedFrom: SnapshotLine | undefined,
  ): AsyncGenerator<SourceItem> {
    for await (const item of items) {
      if ("user" in item && item.user.realmUserId !== undefined) {
        const doc = this.store.claim(item.user.realmUserId);
        if (doc) {
          const extra = doc.extra ? (JSON.parse(doc.extra) as Record<string, string>) : undefined;
          yield { user: { ...item.user, mongoId: doc.mongoId, ...(extra ? { extra } : {}) } };
          continue;
        }
        // Exported all the same (the auth source knows the user), and reported.
        await this.writer.unmatched("withoutUserDocument", {
          realmUserId: item.user.realmUserId,
          email: item.user.email,
          ...(item.user.at ? { at: item.user.at } : {}),
        });
      }
      yield item;
    }
    // A resumed run cannot tell which documents the first run matched, so it does not report orphans.
    if (resumedFrom !== undefined) return;
    for (const orphan of this.store.unclaimed()) {
      const at = orphan.at ? (JSON.parse(orphan.at) as SourcePosition) : undefined;
      await this.writer.unmatched("documentWithoutUser", {
        realmUserId: orphan.realmUserId,
        ref: orphan.mongoId,
        ...(at ? { at, ...(at.kind === "file" ? { line: at.line } : {}) } : {}),
      });
      yield {
        rejected: {
          source: "user-collection",
          ref: orphan.mongoId,
          ...(at ? { at, ...(at.kind === "file" ? { line: at.line } : {}) } : {}),
          reason: `user document of ${orphan.realmUserId}, who is not a user of the app`,
        },
      };
    }
  }

  close(): void {
    this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
