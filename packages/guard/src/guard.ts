import { update as mingoUpdate } from "mingo";
import {
  applyProjection,
  CollectionAccess,
  changedPaths,
  documentFieldPaths,
  projectionHides,
} from "./access.js";
import { cloneDocument } from "./clone.js";
import { denied, GuardError, refused } from "./errors.js";
import {
  and,
  asFilter,
  type Bound,
  type ExpansionSource,
  type Filter,
  holds,
  isPlainObject,
} from "./expressions.js";
import {
  checkCount,
  checkDocument,
  checkFilter,
  checkOptions,
  checkProjection,
  checkReplacement,
  checkReturnDocument,
  checkSort,
  checkUpdate,
  type Projection,
  pathsOverlap,
} from "./operation-checks.js";
import { guardPipeline } from "./pipeline.js";
import type { AppRules, ServiceRules } from "./rules.js";
import type {
  CursorLike,
  Document,
  MongoClientLike,
  MongoCollectionLike,
  UpdateResultLike,
} from "./types.js";
import { modifierFor, replacementUpsert, upsertSeed } from "./upsert.js";

/** The signed-in user as Realm rules see it (`%%user`). */
export interface RealmUser {
  id: string;
  type: "normal" | "server";
  data: Record<string, unknown>;
  custom_data: Record<string, unknown>;
  identities: { id: string; provider_type: string }[];
}

/** What {@link createGuard} needs. */
export interface GuardOptions {
  rules: AppRules;
  user: RealmUser;
  /** The real `MongoClient` or anything with `db(name).collection(name)`. */
  client: MongoClientLike;
  /** The data source whose rules apply; default `mongodb-atlas`. */
  service?: string;
  /** `%%values.*`; defaults to the values loaded with the rules. */
  values?: Record<string, unknown>;
  /**
   * How a rule comparing a field with a `%%user` value treats an array field. `"strict"` (default): the
   * field must be that value, not an array holding it, so no user can plant a document that another
   * sees as their own. `"realm"`: App Services' behaviour (array members match); opt in knowingly.
   */
  userValueArrays?: "strict" | "realm";
}

/** Options of a guarded `find`. */
export interface GuardedFindOptions {
  projection?: Projection;
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
}

/** Options of a guarded update. */
export interface GuardedUpdateOptions {
  upsert?: boolean;
  arrayFilters?: Document[];
}

/** Options of a guarded `findOneAndDelete`: which document (`sort`) and which of its fields come back. */
export interface GuardedFindOneAndDeleteOptions {
  projection?: Projection;
  sort?: Record<string, 1 | -1>;
}

/** Options of a guarded `findOneAndReplace`; `returnDocument` defaults to "before", as in the driver. */
export interface GuardedFindOneAndReplaceOptions extends GuardedFindOneAndDeleteOptions {
  upsert?: boolean;
  returnDocument?: "before" | "after";
}

/** Options of a guarded `findOneAndUpdate`. */
export interface GuardedFindOneAndUpdateOptions
  extends GuardedUpdateOptions,
    GuardedFindOneAndReplaceOptions {}

/** A result cursor; the guard's work is done when it is read. */
export interface GuardedCursor extends CursorLike<Document> {
  [Symbol.asyncIterator](): AsyncIterator<Document>;
}

const CONFLICT_RETRIES = 3;

/** Refusals surface when the cursor is read, as with the driver's own errors. */
function deferred(prepare: () => () => Promise<Document[]>): GuardedCursor {
  try {
    return guardedCursor(prepare());
  } catch (error) {
    return guardedCursor(() => Promise.reject(error));
  }
}

function guardedCursor(load: () => Promise<Document[]>): GuardedCursor {
  return {
    toArray: load,
    async *[Symbol.asyncIterator]() {
      yield* await load();
    },
  };
}

const NOTHING_UPDATED: UpdateResultLike = {
  matchedCount: 0,
  modifiedCount: 0,
  upsertedCount: 0,
  upsertedId: null,
};

const ONE_MODIFIED: UpdateResultLike = { ...NOTHING_UPDATED, matchedCount: 1, modifiedCount: 1 };

/** The per-user entry point: `guard.collection(db, name)` returns a collection that enforces the rules. */
export class Guard {
  readonly user: RealmUser;
  readonly service: string;
  private readonly serviceRules: ServiceRules;
  private readonly client: MongoClientLike;
  private readonly source: ExpansionSource;
  private readonly accessCache = new Map<string, CollectionAccess>();

  constructor(options: GuardOptions) {
    this.user = options.user;
    this.service = options.service ?? "mongodb-atlas";
    const serviceRules = options.rules.services.get(this.service);
    if (!serviceRules)
      throw new GuardError("INVALID_RULES", `No rules were loaded for the data source "${this.service}"`);
    this.serviceRules = serviceRules;
    this.client = options.client;
    this.source = {
      user: options.user as unknown as Record<string, unknown>,
      values: options.values ?? options.rules.values,
      userValueArrays: options.userValueArrays ?? "strict",
    };
  }

  /** The rules of a collection bound to this user; cached for the life of the guard (one request). */
  access(database: string, collection: string, target: "stored" | "image" = "stored"): CollectionAccess {
    const key = `${target}\u0000${database}\u0000${collection}`;
    let access = this.accessCache.get(key);
    if (!access) {
      access = new CollectionAccess(this.serviceRules.rulesFor(database, collection), this.source, target);
      this.accessCache.set(key, access);
    }
    return access;
  }

  /** A collection whose every operation is checked against this user's role. */
  collection(database: string, name: string): GuardedCollection {
    checkNamespace(database, name);
    return new GuardedCollection(this, database, name, this.client.db(database).collection(name));
  }
}

/** Databases MongoDB keeps for itself; no rule can open them. */
const SERVER_DATABASES: ReadonlySet<string> = new Set(["admin", "local", "config"]);

/**
 * `admin`, `local`, `config` and `system.*` collections are refused whatever the rules say (a
 * permissive default rule would otherwise reach users, sessions and the oplog). Compared without
 * case, and names MongoDB would reject are refused before they reach it.
 */
export function checkNamespace(database: unknown, name: unknown): void {
  if (typeof database !== "string" || database === "" || /[/\\. "$*<>:|?\0]/.test(database))
    throw refused(`the database name ${JSON.stringify(String(database)).slice(0, 80)}`);
  if (SERVER_DATABASES.has(database.toLowerCase())) throw refused(`the database "${database}"`);
  if (typeof name !== "string" || name === "" || name.includes("$") || name.includes("\0"))
    throw refused(`the collection name ${JSON.stringify(String(name)).slice(0, 80)}`);
  if (name.toLowerCase().startsWith("system.")) throw refused(`the collection "${name}"`);
}

/**
 * Creates the guard for one signed-in user.
 * @example
 * const guard = createGuard({ rules, user, client: mongoClient });
 * const mine = await guard.collection("todo", "items").find({ done: false }).toArray();
 */
export function createGuard(options: GuardOptions): Guard {
  return new Guard(options);
}

/**
 * A MongoDB collection seen through the user's role. Reads are narrowed to what the role can read;
 * writes to what it can write; anything the guard cannot prove safe throws a {@link GuardError}.
 */
export class GuardedCollection {
  private readonly guard: Guard;
  readonly database: string;
  readonly name: string;
  private readonly backend: MongoCollectionLike;

  constructor(guard: Guard, database: string, name: string, backend: MongoCollectionLike) {
    this.guard = guard;
    this.database = database;
    this.name = name;
    this.backend = backend;
  }

  private get stored(): CollectionAccess {
    return this.guard.access(this.database, this.name, "stored");
  }

  private get image(): CollectionAccess {
    return this.guard.access(this.database, this.name, "image");
  }

  /**
   * A field a filter's projection hides must not be observable: naming it (or anything on, above or
   * below it) in a filter, a sort, a distinct key or an update is refused, whatever its value.
   */
  private refuseFilterHidden(paths: Iterable<string>, what: string): void {
    const projections = this.stored.filterProjections;
    if (projections.length === 0) return;
    for (const path of paths) {
      if (projections.some((projection) => projectionHides(projection, path)))
        throw denied(`${what} naming "${path}", which a filter of ${this.stored.rules.source} hides`);
    }
  }

  /** Turns stored documents into what the user may see, applying the caller's projection last. */
  private present(
    documents: Document[],
    projection: Projection | undefined,
    projectedByServer: boolean,
  ): Document[] {
    const access = this.stored;
    if (access.readsEverything) return documents;
    const shown: Document[] = [];
    for (const document of documents) {
      let view = access.view(document);
      if (!view) continue;
      if (projection && !projectedByServer) view = applyProjection(view, projection);
      shown.push(view);
    }
    return shown;
  }

  /**
   * The caller's projection goes to the server only when no per-document check follows; otherwise the
   * role checks need the fields the rules read, so whole documents come back and are projected here.
   */
  private serverProjection(projection: Projection | undefined): {
    server: Projection | undefined;
    exact: boolean;
  } {
    if (!projection) return { server: undefined, exact: true };
    if (this.stored.readsEverything) return { server: projection, exact: true };
    return { server: undefined, exact: false };
  }

  /** One document returned by a findOneAnd* operation, as far as the user may read it. */
  private presentOne(
    document: Document | null | undefined,
    projection: Projection | undefined,
  ): Document | null {
    if (!document) return null;
    const view = this.stored.readsEverything ? document : this.stored.view(document);
    if (!view) return null;
    return projection ? applyProjection(view, projection) : view;
  }

  /** Finds the documents the user may read; unreadable fields are left out. */
  find(filter: Document = {}, options: GuardedFindOptions = {}): GuardedCursor {
    return deferred(() => this.prepareFind(filter, options));
  }

  private prepareFind(filter: Document, options: GuardedFindOptions): () => Promise<Document[]> {
    const checked = checkOptions(options, ["projection", "sort", "skip", "limit"], "find");
    const paths = checkFilter(filter);
    const projection = checkProjection(checked.projection);
    const sort = checkSort(checked.sort);
    for (const path of Object.keys(sort ?? {})) paths.add(path);
    this.refuseFilterHidden(paths, "a query");
    const skip = checkCount(checked.skip, "skip");
    const limit = checkCount(checked.limit, "limit");
    const access = this.stored;
    const match = and([access.visible(paths), access.filterQuery, filter]);
    return async () => {
      if (match === false) return [];
      const { server, exact } = this.serverProjection(projection);
      const options: Record<string, unknown> = {};
      if (server) options.projection = server;
      if (sort) options.sort = sort;
      if (skip) options.skip = skip;
      if (limit) options.limit = limit;
      const documents = await this.backend.find(asFilter(match), options).toArray();
      return this.present(documents, projection, exact);
    };
  }

  /** The first readable document matching the filter, or null. */
  async findOne(filter: Document = {}, options: GuardedFindOptions = {}): Promise<Document | null> {
    const [first] = await this.find(filter, { ...options, limit: 1 }).toArray();
    return first ?? null;
  }

  /** Counts the documents the user may read. */
  async countDocuments(filter: Document = {}): Promise<number> {
    const access = this.stored;
    const paths = checkFilter(filter);
    this.refuseFilterHidden(paths, "a count");
    const match = and([access.visible(paths), access.filterQuery, filter]);
    return match === false ? 0 : this.backend.countDocuments(asFilter(match));
  }

  /** Distinct values of a field, from documents whose role lets the user read that field. */
  async distinct(key: string, filter: Document = {}): Promise<unknown[]> {
    const paths = checkFilter(filter);
    checkFilter({ [key]: 1 });
    paths.add(key);
    if (typeof key !== "string" || key === "") throw refused("distinct without a field name");
    this.refuseFilterHidden(paths, "distinct");
    const access = this.stored;
    const match = and([access.visible(paths), access.filterQuery, filter]);
    return match === false ? [] : this.backend.distinct(key, asFilter(match));
  }

  /** Refuses a new document unless its role allows inserting it with every field it has. */
  private checkInsert(document: Document): void {
    const access = this.image;
    const image = { root: document };
    const role = access.roleFor(image);
    if (!role) throw denied(`no role of ${access.rules.source} applies to the new document`);
    if (!holds(this.stored.filterQuery, document))
      throw denied("a document outside the scope of the collection's filters");
    const { _id, ...fields } = document;
    const paths = documentFieldPaths(fields, role.fields);
    if (
      !holds(role.writeFilter, image) ||
      !holds(access.canWrite(role, paths), image) ||
      !holds(role.insert, image)
    ) {
      throw denied(`role "${role.name}" may not insert this document`);
    }
  }

  /** Inserts one document if the user's role may insert it. */
  async insertOne(document: Document): Promise<{ acknowledged: true; insertedId: unknown }> {
    this.checkInsert(checkDocument(document));
    const { insertedId } = await this.backend.insertOne(document);
    return { acknowledged: true, insertedId };
  }

  /** Inserts documents if the role may insert every one of them; otherwise none is inserted. */
  async insertMany(
    documents: Document[],
  ): Promise<{ acknowledged: true; insertedCount: number; insertedIds: Record<number, unknown> }> {
    if (!Array.isArray(documents) || documents.length === 0) throw refused("insertMany without documents");
    for (const [index, document] of documents.entries())
      this.checkInsert(checkDocument(document, `document ${index}`));
    const result = await this.backend.insertMany(documents);
    return { acknowledged: true, insertedCount: result.insertedCount, insertedIds: result.insertedIds };
  }

  /** Updates one document the user may change. */
  updateOne(
    filter: Document,
    update: Document,
    options: GuardedUpdateOptions = {},
  ): Promise<UpdateResultLike> {
    return this.update(filter, update, options, "one");
  }

  /** Updates every document the user may change. */
  updateMany(
    filter: Document,
    update: Document,
    options: GuardedUpdateOptions = {},
  ): Promise<UpdateResultLike> {
    return this.update(filter, update, options, "many");
  }

  private prepareUpdate(
    filter: Document,
    update: Document,
    options: GuardedUpdateOptions,
    allowed: string[],
    where: string,
  ) {
    const checked = checkOptions(options, allowed, where);
    const filterPaths = checkFilter(filter);
    const { changedPaths: changed } = checkUpdate(update);
    if (changed.some((path) => pathsOverlap(path, "_id"))) throw refused("changing _id");
    const arrayFilters = checked.arrayFilters;
    if (arrayFilters !== undefined) {
      if (!Array.isArray(arrayFilters)) throw refused("arrayFilters that is not an array");
      for (const item of arrayFilters) checkFilter(item, "arrayFilters");
      // arrayFilters test the elements of the arrays the update names: reading them must be allowed,
      // or which elements matched (modifiedCount) would tell their hidden values.
      for (const path of changed) filterPaths.add(path);
    }
    // A sort picks which document a findOneAnd* changes: it reads as much as a filter does.
    if (isPlainObject(checked.sort)) for (const path of Object.keys(checked.sort)) filterPaths.add(path);
    this.refuseFilterHidden([...filterPaths, ...changed], "an update");
    const guarded = [...this.stored.rules.guardedPaths];
    const touchesRules = changed.some((path) => guarded.some((rulePath) => pathsOverlap(path, rulePath)));
    return {
      checked,
      filterPaths,
      changed,
      touchesRules,
      arrayFilters: arrayFilters as Document[] | undefined,
    };
  }

  private async update(
    filter: Document,
    update: Document,
    options: GuardedUpdateOptions,
    count: "one" | "many",
  ): Promise<UpdateResultLike> {
    const prepared = this.prepareUpdate(
      filter,
      update,
      options,
      ["upsert", "arrayFilters"],
      `update${count === "one" ? "One" : "Many"}`,
    );
    const driverOptions = prepared.arrayFilters ? { arrayFilters: prepared.arrayFilters } : {};
    if (!prepared.touchesRules && !prepared.checked.upsert) {
      // Fields the rules read stay as they are, so the role and filters before the write hold after it.
      const match = this.directUpdateMatch(filter, prepared);
      if (match === false) return NOTHING_UPDATED;
      const write =
        count === "one"
          ? this.backend.updateOne.bind(this.backend)
          : this.backend.updateMany.bind(this.backend);
      return write(asFilter(match), update, driverOptions);
    }
    const result = await this.writeEachChecked(
      filter,
      prepared.filterPaths,
      count,
      undefined,
      this.updatePlan(update, prepared.arrayFilters, prepared.changed),
    );
    if (result.matchedCount === 0 && prepared.checked.upsert) {
      const { insertedId } = await this.upsertUpdated(filter, update, prepared.arrayFilters);
      return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: insertedId };
    }
    const { last: _last, ...counts } = result;
    return counts;
  }

  /**
   * The per-document path, for writes that touch fields the rules read: each candidate's new state is
   * computed in memory, checked against the role that governs it before and after, and written only
   * if the stored document is still exactly the one checked (compare-and-set, retried on conflict).
   */
  private async writeEachChecked(
    filter: Document,
    filterPaths: Set<string>,
    count: "one" | "many",
    sort: Record<string, 1 | -1> | undefined,
    plan: (before: Document) => {
      after: Document;
      declared: readonly string[];
      apply: (pinned: Filter) => Promise<UpdateResultLike>;
    },
  ): Promise<UpdateResultLike & { last?: { before: Document; after: Document } }> {
    const access = this.stored;
    const match = and([access.writeCandidates(filterPaths), access.filterQuery, filter]);
    if (match === false) return NOTHING_UPDATED;
    const options: Record<string, unknown> = count === "one" ? { limit: 1 } : {};
    if (sort) options.sort = sort;
    const candidates = await this.backend.find(asFilter(match), options).toArray();
    let matchedCount = 0;
    let modifiedCount = 0;
    let last: { before: Document; after: Document } | undefined;
    for (let candidate of candidates) {
      for (let attempt = 0; ; attempt++) {
        const { after, declared, apply } = plan(candidate);
        this.checkTransition(candidate, after, declared);
        const result = await apply(pinned(candidate));
        if (result.matchedCount > 0) {
          matchedCount++;
          modifiedCount += result.modifiedCount;
          last = { before: candidate, after };
          break;
        }
        if (attempt >= CONFLICT_RETRIES) {
          throw new GuardError(
            "WRITE_CONFLICT",
            "The document kept changing while the guard checked the write; try again",
          );
        }
        const [fresh] = await this.backend
          .find(asFilter(and([{ _id: { $eq: candidate._id } }, match])), { limit: 1 })
          .toArray();
        if (!fresh) break;
        candidate = fresh;
      }
    }
    return { matchedCount, modifiedCount, upsertedCount: 0, upsertedId: null, ...(last ? { last } : {}) };
  }

  /**
   * The documents an update may change in one driver call, for updates that leave every field the
   * rules read as it is (so the role and filters before the write hold after it).
   */
  private directUpdateMatch(
    filter: Document,
    prepared: { filterPaths: Set<string>; changed: string[] },
  ): Bound {
    const access = this.stored;
    return and([access.writable(prepared.filterPaths, prepared.changed), access.filterQuery, filter]);
  }

  /**
   * How the per-document path applies the caller's update: computed in memory, checked, and then the
   * computed document itself replaces the pinned one. The server never evaluates the caller's
   * operators here, so what is stored is exactly what was checked, whatever MongoDB and mingo think
   * of numeric types, key order or ObjectIds.
   */
  private updatePlan(update: Document, arrayFilters: Document[] | undefined, declared: readonly string[]) {
    return (before: Document) => {
      const after = cloneDocument(before);
      refuseInexactUpdate(before, update);
      applyUpdateInMemory(after, update, arrayFilters);
      return {
        after,
        declared,
        apply: (pinnedFilter: Filter) => this.replacePinned(pinnedFilter, before, after),
      };
    };
  }

  /** The document an upserting update creates when nothing matched, inserted through the guard. */
  private async upsertUpdated(
    filter: Document,
    update: Document,
    arrayFilters: Document[] | undefined,
  ): Promise<{ insertedId: unknown; created: Document }> {
    const created = upsertSeed(filter);
    applyUpdateInMemory(created, update, arrayFilters, true);
    const { insertedId } = await this.insertOne(created);
    return { insertedId, created };
  }

  /** Stores the checked document in place of the pinned one; nothing is written when nothing changed. */
  private async replacePinned(
    pinnedFilter: Filter,
    before: Document,
    after: Document,
  ): Promise<UpdateResultLike> {
    if (changedPaths(before, after).length === 0) {
      const matchedCount = await this.backend.countDocuments(pinnedFilter);
      return { ...NOTHING_UPDATED, matchedCount };
    }
    return this.backend.replaceOne(pinnedFilter, after);
  }

  /**
   * A write from `before` to `after` must be allowed by the role before and by the role after, on
   * every path the write declares and every path that differs. Declared paths are checked even when
   * the value stays the same, so a write answers the same whether or not it guessed a hidden value.
   */
  private checkTransition(before: Document, after: Document, declared: readonly string[]): void {
    const changed = [...new Set([...declared, ...changedPaths(before, after)])];
    if (changed.length === 0) return;
    if (changed.some((path) => pathsOverlap(path, "_id")) && !sameId(before._id, after._id))
      throw refused("changing _id");
    const stored = this.stored;
    const oldRole = stored.roleFor(before);
    if (
      !oldRole ||
      !holds(oldRole.readFilter, before) ||
      !holds(oldRole.writeFilter, before) ||
      !holds(stored.canWrite(oldRole, changed), before)
    ) {
      throw denied(`the change to ${changed.join(", ")}`);
    }
    const image = this.image;
    const state = { root: after, prevRoot: before };
    if (!holds(stored.filterQuery, after))
      throw denied("a change that moves the document out of the collection's filters");
    const newRole = image.roleFor(state);
    if (
      !newRole ||
      !holds(newRole.readFilter, state) ||
      !holds(newRole.writeFilter, state) ||
      !holds(image.canWrite(newRole, changed), state)
    ) {
      throw denied("a change that moves the document out of the user's reach");
    }
  }

  /** Updates one document and returns it (before or after), as far as the user may read it. */
  async findOneAndUpdate(
    filter: Document,
    update: Document,
    options: GuardedFindOneAndUpdateOptions = {},
  ): Promise<Document | null> {
    const prepared = this.prepareUpdate(
      filter,
      update,
      options,
      ["upsert", "arrayFilters", "returnDocument", "projection", "sort"],
      "findOneAndUpdate",
    );
    const projection = checkProjection(prepared.checked.projection);
    const sort = checkSort(prepared.checked.sort);
    for (const path of Object.keys(sort ?? {})) prepared.filterPaths.add(path);
    const returnDocument = checkReturnDocument(prepared.checked.returnDocument);
    if (!prepared.touchesRules && !prepared.checked.upsert) {
      const match = this.directUpdateMatch(filter, prepared);
      if (match === false) return null;
      const options: Record<string, unknown> = { returnDocument };
      if (sort) options.sort = sort;
      if (prepared.arrayFilters) options.arrayFilters = prepared.arrayFilters;
      return this.presentOne(
        await this.backend.findOneAndUpdate(asFilter(match), update, options),
        projection,
      );
    }
    const result = await this.writeEachChecked(
      filter,
      prepared.filterPaths,
      "one",
      sort,
      this.updatePlan(update, prepared.arrayFilters, prepared.changed),
    );
    if (result.last)
      return this.presentOne(returnDocument === "after" ? result.last.after : result.last.before, projection);
    if (!prepared.checked.upsert) return null;
    const { insertedId, created } = await this.upsertUpdated(filter, update, prepared.arrayFilters);
    return returnDocument === "after" ? this.presentOne({ _id: insertedId, ...created }, projection) : null;
  }

  /** Replaces one document the user may change; always checked document by document. */
  async replaceOne(
    filter: Document,
    replacement: Document,
    options: { upsert?: boolean } = {},
  ): Promise<UpdateResultLike> {
    const checked = checkOptions(options, ["upsert"], "replaceOne");
    const filterPaths = checkFilter(filter);
    this.refuseFilterHidden(filterPaths, "a replacement");
    checkReplacement(replacement, "replaceOne");
    const result = await this.writeEachChecked(filter, filterPaths, "one", undefined, (before) => ({
      after: replaced(before, replacement),
      declared: replacedPaths(before, replacement),
      apply: (pinnedFilter) => this.backend.replaceOne(pinnedFilter, replacement),
    }));
    if (result.matchedCount === 0 && checked.upsert) {
      const { insertedId } = await this.insertOne(upsertedReplacement(filter, replacement));
      return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: insertedId };
    }
    const { last: _last, ...counts } = result;
    return counts;
  }

  /**
   * Replaces one document the user may change, checked as `replaceOne` is, and returns it before or
   * after the replacement as far as the user may read it; null when nothing matched (or after an
   * upsert with `returnDocument: "before"`).
   */
  async findOneAndReplace(
    filter: Document,
    replacement: Document,
    options: GuardedFindOneAndReplaceOptions = {},
  ): Promise<Document | null> {
    const checked = checkOptions(
      options,
      ["upsert", "returnDocument", "projection", "sort"],
      "findOneAndReplace",
    );
    const filterPaths = checkFilter(filter);
    checkReplacement(replacement, "findOneAndReplace");
    const projection = checkProjection(checked.projection);
    const sort = checkSort(checked.sort);
    for (const path of Object.keys(sort ?? {})) filterPaths.add(path);
    this.refuseFilterHidden(filterPaths, "a replacement");
    const returnDocument = checkReturnDocument(checked.returnDocument);
    let returned: Document | null = null;
    const result = await this.writeEachChecked(filter, filterPaths, "one", sort, (before) => ({
      after: replaced(before, replacement),
      declared: replacedPaths(before, replacement),
      apply: async (pinnedFilter) => {
        // The pinned filter matches only the document as checked, so the server replaces exactly it.
        returned = await this.backend.findOneAndReplace(pinnedFilter, replacement, { returnDocument });
        return returned ? ONE_MODIFIED : NOTHING_UPDATED;
      },
    }));
    if (result.matchedCount > 0) return this.presentOne(returned, projection);
    if (!checked.upsert) return null;
    const created = upsertedReplacement(filter, replacement);
    const { insertedId } = await this.insertOne(created);
    return returnDocument === "after" ? this.presentOne({ ...created, _id: insertedId }, projection) : null;
  }

  /** Deletes one document the user may delete. */
  deleteOne(filter: Document = {}): Promise<{ acknowledged: true; deletedCount: number }> {
    return this.remove(filter, "one");
  }

  /** Deletes every matching document the user may delete. */
  deleteMany(filter: Document = {}): Promise<{ acknowledged: true; deletedCount: number }> {
    return this.remove(filter, "many");
  }

  /**
   * Deletes the first document (in `sort` order) the user may delete and returns it as far as the user
   * may read it, or null when none matched.
   */
  async findOneAndDelete(
    filter: Document = {},
    options: GuardedFindOneAndDeleteOptions = {},
  ): Promise<Document | null> {
    const checked = checkOptions(options, ["projection", "sort"], "findOneAndDelete");
    const paths = checkFilter(filter);
    const projection = checkProjection(checked.projection);
    const sort = checkSort(checked.sort);
    for (const path of Object.keys(sort ?? {})) paths.add(path);
    this.refuseFilterHidden(paths, "a delete");
    const access = this.stored;
    const match = and([access.deletable(paths), access.filterQuery, filter]);
    if (match === false) return null;
    const deleted = await this.backend.findOneAndDelete(asFilter(match), sort ? { sort } : {});
    return this.presentOne(deleted, projection);
  }

  private async remove(filter: Document, count: "one" | "many") {
    const access = this.stored;
    const paths = checkFilter(filter);
    this.refuseFilterHidden(paths, "a delete");
    const match = and([access.deletable(paths), access.filterQuery, filter]);
    if (match === false) return { acknowledged: true as const, deletedCount: 0 };
    const { deletedCount } =
      count === "one"
        ? await this.backend.deleteOne(asFilter(match))
        : await this.backend.deleteMany(asFilter(match));
    return { acknowledged: true as const, deletedCount };
  }

  /** Not offered: each write of a batch would need its own checks. Refused with OPERATION_REFUSED. */
  async bulkWrite(): Promise<never> {
    throw refused(
      "bulkWrite (use the single operations: insertOne/Many, updateOne/Many, replaceOne, deleteOne/Many)",
    );
  }

  /** Not offered: a change stream cannot be narrowed to what the role reads. Refused with OPERATION_REFUSED. */
  watch(): never {
    throw refused("watch: change streams (poll with find instead)");
  }

  /**
   * Runs a pipeline after the user's read stages (`$match` on what the role can read, then the
   * projection of unreadable fields); `$lookup`, `$graphLookup` and `$unionWith` get the rules of
   * the collection they read; `$out`, `$merge`, `$function`, `$where` and `$accumulator` are refused.
   */
  aggregate(pipeline: Document[]): GuardedCursor {
    return deferred(() => this.preparePipeline(pipeline));
  }

  private preparePipeline(pipeline: Document[]): () => Promise<Document[]> {
    const rewritten = guardPipeline(pipeline, {
      readStages: (collection) => this.readStages(collection),
      wholeDocumentMatch: (collection) => {
        const access = this.guard.access(this.database, collection, "stored");
        return access.readsEverything ? asFilter(and([access.filterQuery, access.visible()])) : undefined;
      },
    });
    const stages = [...this.readStages(this.name), ...rewritten];
    return () => this.backend.aggregate(stages).toArray();
  }

  /** The stages that narrow a collection to what the user may read, for pipelines. */
  private readStages(collection: string): Filter[] {
    const access = this.guard.access(this.database, collection, "stored");
    const projection = access.staticProjection();
    if (!projection)
      throw refused(
        `an aggregation over ${this.database}.${collection}, whose field permissions differ per document`,
      );
    const match: Bound = and([access.filterQuery, access.visible()]);
    return [{ $match: asFilter(match) }, ...projection.stages];
  }
}

/** A replacement declares every top-level field of the old document and of the new one, `_id` aside. */
function replacedPaths(before: Document, replacement: Document): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(replacement)])].filter((key) => key !== "_id");
}

/** The stored document a replacement leads to; the replacement may repeat `_id` but not change it. */
function replaced(before: Document, replacement: Document): Document {
  if (replacement._id !== undefined && !sameId(replacement._id, before._id)) throw refused("changing _id");
  return { _id: before._id, ...replacement };
}

/** The document a replacement upsert creates; refused when its `_id` contradicts the filter's. */
function upsertedReplacement(filter: Document, replacement: Document): Document {
  const { _id } = upsertSeed(filter);
  if (_id !== undefined && replacement._id !== undefined && !sameId(_id, replacement._id))
    throw refused("an upsert whose replacement _id differs from the filter's");
  return replacementUpsert(filter, replacement);
}

function sameId(a: unknown, b: unknown): boolean {
  return (
    a === b ||
    (a !== null && b !== null && typeof a === "object" && typeof b === "object" && String(a) === String(b))
  );
}

/** A filter that matches the document only while it is exactly as the guard read it. */
function pinned(document: Document): Filter {
  const fields = Object.entries(document);
  return {
    $and: [
      ...fields.map(([key, value]) => ({ [key]: { $eq: value } })),
      // No field added since the read either: the replacement would drop it unchecked.
      { $expr: { $eq: [{ $size: { $objectToArray: "$$ROOT" } }, fields.length] } },
    ],
  };
}

function applyUpdateInMemory(
  document: Document,
  update: Document,
  arrayFilters: Document[] | undefined,
  inserting = false,
): void {
  const modifier = modifierFor(update, inserting);
  if (Object.keys(modifier).length === 0) return;
  try {
    mingoUpdate(document, modifier as never, arrayFilters);
  } catch (error) {
    throw new GuardError("OPERATION_REFUSED", "Refused: an update the guard could not compute", {
      cause: error,
    });
  }
}

/** JS values whose order and arithmetic mingo and MongoDB agree on. */
function isExactScalar(value: unknown): boolean {
  return (
    (typeof value === "number" && Number.isFinite(value)) ||
    typeof value === "string" ||
    value instanceof Date
  );
}

function valueAt(
  document: Document,
  path: string,
): { found: boolean; value: unknown; throughArray: boolean; blocked: boolean } {
  let current: unknown = document;
  for (const part of path.split(".")) {
    if (Array.isArray(current)) return { found: true, value: undefined, throughArray: true, blocked: false };
    if (!isPlainObject(current))
      return { found: false, value: undefined, throughArray: false, blocked: true };
    if (!Object.hasOwn(current, part))
      return { found: false, value: undefined, throughArray: false, blocked: false };
    current = current[part];
  }
  return { found: true, value: current, throughArray: false, blocked: false };
}

const ARRAY_OPERATORS: ReadonlySet<string> = new Set(["$push", "$addToSet", "$pull", "$pullAll", "$pop"]);

const BSON_NUMBERS: ReadonlySet<string> = new Set(["Long", "Decimal128", "Double", "Int32"]);

/** Long, Decimal128, Double or Int32 anywhere in a value: mingo compares them unlike MongoDB. */
function holdsBsonNumber(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsBsonNumber);
  if (isPlainObject(value)) return Object.values(value).some(holdsBsonNumber);
  const type = (value as { _bsontype?: unknown } | null)?._bsontype;
  return typeof type === "string" && BSON_NUMBERS.has(type);
}

/**
 * On the per-document path the guard stores what it computed, so it refuses operators whose result
 * it cannot compute exactly as MongoDB would: arithmetic and comparisons on Long, Decimal128, Double
 * wrappers or values of mixed types, positional targets, and set semantics over embedded documents.
 */
function refuseInexactUpdate(before: Document, update: Document): void {
  const inexact = (operator: string, path: string) =>
    refused(
      `${operator} on "${path}" in a write the guard checks document by document (use $set with the new value)`,
    );
  for (const [operator, fields] of Object.entries(update)) {
    if (!isPlainObject(fields)) continue;
    for (const [path, operand] of Object.entries(fields)) {
      // MongoDB refuses these writes (a path through a scalar, an array operator on a non-array);
      // mingo would compute something, and the guard stores what it computes.
      if (!path.includes("$")) {
        const current = valueAt(before, path);
        if (current.blocked) throw inexact(operator, path);
        if (
          ARRAY_OPERATORS.has(operator) &&
          current.found &&
          !current.throughArray &&
          !Array.isArray(current.value)
        )
          throw inexact(operator, path);
      }
      if (operator === "$inc" || operator === "$mul" || operator === "$min" || operator === "$max") {
        const current = valueAt(before, path);
        const arithmetic = operator === "$inc" || operator === "$mul";
        if (path.includes("$") || current.throughArray || !isExactScalar(operand))
          throw inexact(operator, path);
        if (arithmetic && typeof operand !== "number") throw inexact(operator, path);
        if (current.found && (!isExactScalar(current.value) || typeof current.value !== typeof operand))
          throw inexact(operator, path);
        if (current.found && current.value instanceof Date !== operand instanceof Date)
          throw inexact(operator, path);
      } else if (operator === "$addToSet" || operator === "$pull" || operator === "$pullAll") {
        if (holdsBsonNumber(operand) || (operator === "$addToSet" && containsObject(operand)))
          throw inexact(operator, path);
      }
    }
  }
}

function containsObject(operand: unknown): boolean {
  const items = isPlainObject(operand) && Array.isArray(operand.$each) ? operand.$each : [operand];
  return items.some((item) => Array.isArray(item) || isPlainObject(item));
}
