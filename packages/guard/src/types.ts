/** A MongoDB document as the guard handles it. */
export type Document = Record<string, unknown>;

/** What the guard needs from a driver cursor. */
export interface CursorLike<T> {
  toArray(): Promise<T[]>;
}

/** Counts returned by update and replace operations. */
export interface UpdateResultLike {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  upsertedId: unknown;
}

/**
 * The methods of the official `mongodb` driver's `Collection` the guard calls. The real driver's
 * `db.collection(name)` fits as is; the in-memory collection used by tests and benches fits too.
 */
export interface MongoCollectionLike {
  find(filter: Document, options?: object): CursorLike<Document>;
  countDocuments(filter: Document, options?: object): Promise<number>;
  distinct(key: string, filter: Document): Promise<unknown[]>;
  insertOne(document: Document): Promise<{ insertedId: unknown }>;
  insertMany(documents: Document[]): Promise<{ insertedCount: number; insertedIds: Record<number, unknown> }>;
  updateOne(filter: Document, update: Document, options?: object): Promise<UpdateResultLike>;
  updateMany(filter: Document, update: Document, options?: object): Promise<UpdateResultLike>;
  findOneAndUpdate(filter: Document, update: Document, options: object): Promise<Document | null>;
  findOneAndReplace(filter: Document, replacement: Document, options: object): Promise<Document | null>;
  replaceOne(filter: Document, replacement: Document, options?: object): Promise<UpdateResultLike>;
  findOneAndDelete(filter: Document, options: object): Promise<Document | null>;
  deleteOne(filter: Document): Promise<{ deletedCount: number }>;
  deleteMany(filter: Document): Promise<{ deletedCount: number }>;
  aggregate(pipeline: Document[], options?: object): CursorLike<Document>;
}

/** A database: the driver's `Db` fits. */
export interface MongoDatabaseLike {
  collection(name: string): MongoCollectionLike;
}

/** A client: the driver's `MongoClient` fits. */
export interface MongoClientLike {
  db(name: string): MongoDatabaseLike;
}
