import { randomBytes } from "node:crypto";
import { aggregate, update as applyUpdate, find } from "mingo";
import { cloneDocument } from "./clone.js";
import { isPlainObject } from "./operation-checks.js";
import type {
  CursorLike,
  Document,
  MongoClientLike,
  MongoCollectionLike,
  MongoDatabaseLike,
  UpdateResultLike,
} from "./types.js";
import { modifierFor, replacementUpsert, upsertSeed } from "./upsert.js";

/** The error shape of a duplicate key, as the driver reports it. */
export class DuplicateKeyError extends Error {
  readonly code = 11000;
}

function clone<T>(value: T): T {
  return cloneDocument(value);
}

/** A returned document cut to the projection the server was given, if any. */
function projected(document: Document, projection: Document | undefined): Document {
  if (!projection) return document;
  return (find([document], {}, projection as never).next() ?? {}) as Document;
}

function cursor(documents: () => Document[]): CursorLike<Document> {
  return { toArray: async () => documents() };
}

/**
 * mingo runs a `$lookup` pipeline over the whole foreign collection when localField/foreignField are
 * also given; MongoDB runs it over the matching documents only. Express the equality in the pipeline.
 */
function portablePipeline(pipeline: Document[]): Document[] {
  return pipeline.map((stage) => {
    const [name, spec] = Object.entries(stage)[0] ?? [];
    if (!isPlainObject(spec)) return stage;
    if (name === "$lookup") {
      const inner = Array.isArray(spec.pipeline) ? portablePipeline(spec.pipeline as Document[]) : undefined;
      if (typeof spec.localField === "string" && typeof spec.foreignField === "string" && inner) {
        const { localField, foreignField, let: variables, ...rest } = spec;
        const local = "$$guardLocalField";
        const match = {
          $match: {
            $expr: {
              $in: [
                `$${foreignField}`,
                { $cond: [{ $isArray: local }, local, [{ $ifNull: [local, null] }]] },
              ],
            },
          },
        };
        return {
          $lookup: {
            ...rest,
            let: { ...(variables as Document), guardLocalField: `$${localField}` },
            pipeline: [match, ...inner],
          },
        };
      }
      return inner ? { $lookup: { ...spec, pipeline: inner } } : stage;
    }
    if (name === "$unionWith" && Array.isArray(spec.pipeline)) {
      return { $unionWith: { ...spec, pipeline: portablePipeline(spec.pipeline as Document[]) } };
    }
    if (name === "$facet") {
      return {
        $facet: Object.fromEntries(
          Object.entries(spec).map(([key, value]) => [key, portablePipeline(value as Document[])]),
        ),
      };
    }
    return stage;
  });
}

/**
 * A collection held in memory and queried with mingo, MongoDB's query language in JavaScript. It
 * stands in for the driver in tests and benches; `_id`s it creates are 24-hex strings.
 */
export class MemoryCollection implements MongoCollectionLike {
  readonly documents: Document[] = [];
  private readonly database: MemoryDatabase;

  constructor(database: MemoryDatabase) {
    this.database = database;
  }

  private matching(filter: Document): Document[] {
    return find(this.documents, filter).all() as Document[];
  }

  find(filter: Document, options: object = {}): CursorLike<Document> {
    const { projection, sort, skip, limit } = options as {
      projection?: Document;
      sort?: Record<string, 1 | -1>;
      skip?: number;
      limit?: number;
    };
    return cursor(() => {
      let result = find(this.documents, filter, projection as never);
      if (sort) result = result.sort(sort);
      if (skip) result = result.skip(skip);
      if (limit) result = result.limit(limit);
      return clone(result.all() as Document[]);
    });
  }

  async countDocuments(filter: Document): Promise<number> {
    return this.matching(filter).length;
  }

  async distinct(key: string, filter: Document): Promise<unknown[]> {
    const seen = new Map<string, unknown>();
    for (const document of this.matching(filter)) {
      let value: unknown = document;
      for (const part of key.split(".")) value = isPlainObject(value) ? value[part] : undefined;
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined) seen.set(JSON.stringify(item), item);
      }
    }
    return clone([...seen.values()]);
  }

  async insertOne(document: Document): Promise<{ insertedId: unknown }> {
    const stored = clone(document);
    if (stored._id === undefined) stored._id = randomBytes(12).toString("hex");
    if (this.matching({ _id: { $eq: stored._id } }).length > 0) {
      throw new DuplicateKeyError(`E11000 duplicate key error: _id ${String(stored._id)}`);
    }
    this.documents.push(stored);
    return { insertedId: stored._id };
  }

  async insertMany(
    documents: Document[],
  ): Promise<{ insertedCount: number; insertedIds: Record<number, unknown> }> {
    const insertedIds: Record<number, unknown> = {};
    for (const [index, document] of documents.entries())
      insertedIds[index] = (await this.insertOne(document)).insertedId;
    return { insertedCount: documents.length, insertedIds };
  }

  private async update(
    filter: Document,
    update: Document,
    options: object,
    many: boolean,
  ): Promise<UpdateResultLike> {
    const { upsert, arrayFilters } = options as { upsert?: boolean; arrayFilters?: Document[] };
    const targets = this.matching(filter);
    const chosen = many ? targets : targets.slice(0, 1);
    let modifiedCount = 0;
    for (const document of chosen) {
      const changed = applyUpdate(document, modifierFor(update, false) as never, arrayFilters);
      if (changed.length > 0) modifiedCount++;
    }
    if (chosen.length === 0 && upsert) {
      const created = upsertSeed(filter);
      applyUpdate(created, modifierFor(update, true) as never, arrayFilters);
      const { insertedId } = await this.insertOne(created);
      return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: insertedId };
    }
    return { matchedCount: chosen.length, modifiedCount, upsertedCount: 0, upsertedId: null };
  }

  updateOne(filter: Document, update: Document, options: object = {}): Promise<UpdateResultLike> {
    return this.update(filter, update, options, false);
  }

  updateMany(filter: Document, update: Document, options: object = {}): Promise<UpdateResultLike> {
    return this.update(filter, update, options, true);
  }

  async findOneAndUpdate(filter: Document, update: Document, options: object): Promise<Document | null> {
    const { returnDocument, sort, upsert, arrayFilters } = options as {
      returnDocument?: "before" | "after";
      sort?: Record<string, 1 | -1>;
      upsert?: boolean;
      arrayFilters?: Document[];
    };
    const target = this.first(filter, sort);
    if (!target) {
      if (!upsert) return null;
      const { upsertedId } = await this.update(filter, update, { upsert, arrayFilters }, false);
      return returnDocument === "after"
        ? clone(this.matching({ _id: { $eq: upsertedId } })[0] ?? null)
        : null;
    }
    const before = clone(target);
    applyUpdate(target, modifierFor(update, false) as never, arrayFilters);
    return returnDocument === "after" ? clone(target) : before;
  }

  async replaceOne(filter: Document, replacement: Document, options: object = {}): Promise<UpdateResultLike> {
    const [target] = this.matching(filter);
    if (!target) {
      if (!(options as { upsert?: boolean }).upsert)
        return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
      const { insertedId } = await this.insertOne(replacementUpsert(filter, replacement));
      return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: insertedId };
    }
    this.replaceStored(target, replacement);
    return { matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null };
  }

  private replaceStored(target: Document, replacement: Document): Document {
    const index = this.documents.indexOf(target);
    const replaced = { _id: target._id, ...clone(replacement) };
    this.documents[index] = replaced;
    return replaced;
  }

  /** The first document matching the filter in the order of `sort`, as the server picks it. */
  private first(filter: Document, sort: Record<string, 1 | -1> | undefined): Document | undefined {
    let candidates = find(this.documents, filter);
    if (sort) candidates = candidates.sort(sort);
    return (candidates.limit(1).all() as Document[])[0];
  }

  async findOneAndReplace(
    filter: Document,
    replacement: Document,
    options: object = {},
  ): Promise<Document | null> {
    const { returnDocument, sort, upsert, projection } = options as {
      returnDocument?: "before" | "after";
      sort?: Record<string, 1 | -1>;
      upsert?: boolean;
      projection?: Document;
    };
    const target = this.first(filter, sort);
    if (!target) {
      if (!upsert) return null;
      const { insertedId } = await this.insertOne(replacementUpsert(filter, replacement));
      const created = this.matching({ _id: { $eq: insertedId } })[0];
      return returnDocument === "after" && created ? projected(clone(created), projection) : null;
    }
    const before = clone(target);
    const after = this.replaceStored(target, replacement);
    return projected(returnDocument === "after" ? clone(after) : before, projection);
  }

  async findOneAndDelete(filter: Document, options: object = {}): Promise<Document | null> {
    const { sort, projection } = options as { sort?: Record<string, 1 | -1>; projection?: Document };
    const target = this.first(filter, sort);
    if (!target) return null;
    this.documents.splice(this.documents.indexOf(target), 1);
    return projected(clone(target), projection);
  }

  private async remove(filter: Document, many: boolean): Promise<{ deletedCount: number }> {
    const targets = this.matching(filter);
    const chosen = new Set(many ? targets : targets.slice(0, 1));
    const kept = this.documents.filter((document) => !chosen.has(document));
    this.documents.splice(0, this.documents.length, ...kept);
    return { deletedCount: chosen.size };
  }

  deleteOne(filter: Document): Promise<{ deletedCount: number }> {
    return this.remove(filter, false);
  }

  deleteMany(filter: Document): Promise<{ deletedCount: number }> {
    return this.remove(filter, true);
  }

  aggregate(pipeline: Document[]): CursorLike<Document> {
    return cursor(() =>
      clone(
        aggregate(this.documents, portablePipeline(pipeline), {
          collectionResolver: (name: string) => this.database.collection(name).documents,
        }) as Document[],
      ),
    );
  }
}

/** A database of {@link MemoryCollection}s, created on first use like MongoDB's. */
export class MemoryDatabase implements MongoDatabaseLike {
  private readonly collections = new Map<string, MemoryCollection>();

  collection(name: string): MemoryCollection {
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new MemoryCollection(this);
      this.collections.set(name, collection);
    }
    return collection;
  }
}

/** A client of {@link MemoryDatabase}s. */
export class MemoryClient implements MongoClientLike {
  private readonly databases = new Map<string, MemoryDatabase>();

  db(name: string): MemoryDatabase {
    let database = this.databases.get(name);
    if (!database) {
      database = new MemoryDatabase();
      this.databases.set(name, database);
    }
    return database;
  }
}
