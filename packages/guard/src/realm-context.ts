import { AsyncLocalStorage } from "node:async_hooks";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { GuardError } from "./errors.js";
import {
  checkNamespace,
  createGuard,
  type Guard,
  type GuardedCollection,
  type GuardedCursor,
  type RealmUser,
} from "./guard.js";
import { bearerToken, type IdentityVerifier } from "./identity.js";
import type { Projection } from "./operation-checks.js";
import type { AppRules, CustomUserDataSource } from "./rules.js";
import type { Document, MongoClientLike, UpdateResultLike } from "./types.js";

/** A Realm function: called with the request's arguments; reads `context` (global, or `this`). */
export type RealmFunction = (this: RealmContext, ...args: never[]) => unknown;

/** What a Realm-compatible context is made of. */
export interface RealmContextOptions {
  rules: AppRules;
  /** MongoDB clients by data source name, e.g. `{ "mongodb-atlas": mongoClient }`. */
  services: Record<string, MongoClientLike>;
  /** `context.values` and `%%values`; default the non-secret values exported with the app. */
  values?: Record<string, unknown>;
  environment?: { tag?: string; values?: Record<string, unknown> };
  /** Functions reachable through `context.functions.execute(name, ...args)`. */
  functions?: Record<string, RealmFunction>;
  /**
   * `"realm"`: a rule `{owner_id: "%%user.id"}` also matches an array holding the id, as App Services
   * does (lets one user make a document another's own). Default `"strict"`. See the guard README.
   */
  userValueArrays?: "strict" | "realm";
  /** Loads `%%user.custom_data` (read without the guard, by the user's verified id only); default from the export. */
  customUserData?: CustomUserDataSource;
}

/** Realm's options of findOneAndUpdate and findOneAndReplace. */
export interface RealmFindOneAndModifyOptions {
  projection?: Projection;
  sort?: Record<string, 1 | -1>;
  upsert?: boolean;
  returnNewDocument?: boolean;
}

/** Realm's `returnNewDocument` in the driver's words (`returnDocument`), the rest as it is. */
function driverOptions({ returnNewDocument, ...rest }: RealmFindOneAndModifyOptions = {}) {
  return { ...rest, returnDocument: returnNewDocument ? ("after" as const) : ("before" as const) };
}

/** Realm's collection API (`find(query, projection, options)`, `count`, `returnNewDocument`), guarded. */
export interface RealmCollection {
  find(
    query?: Document,
    projection?: Projection,
    options?: { sort?: Record<string, 1 | -1>; skip?: number; limit?: number },
  ): GuardedCursor;
  findOne(
    query?: Document,
    projection?: Projection,
    options?: { sort?: Record<string, 1 | -1> },
  ): Promise<Document | null>;
  count(query?: Document): Promise<number>;
  countDocuments(query?: Document): Promise<number>;
  distinct(field: string, query?: Document): Promise<unknown[]>;
  insertOne(document: Document): Promise<{ insertedId: unknown }>;
  insertMany(documents: Document[]): Promise<{ insertedIds: unknown[] }>;
  updateOne(
    query: Document,
    update: Document,
    options?: { upsert?: boolean; arrayFilters?: Document[] },
  ): Promise<UpdateResultLike>;
  updateMany(
    query: Document,
    update: Document,
    options?: { upsert?: boolean; arrayFilters?: Document[] },
  ): Promise<UpdateResultLike>;
  findOneAndUpdate(
    query: Document,
    update: Document,
    options?: RealmFindOneAndModifyOptions,
  ): Promise<Document | null>;
  replaceOne(
    query: Document,
    replacement: Document,
    options?: { upsert?: boolean },
  ): Promise<UpdateResultLike>;
  findOneAndReplace(
    query: Document,
    replacement: Document,
    options?: RealmFindOneAndModifyOptions,
  ): Promise<Document | null>;
  deleteOne(query?: Document): Promise<{ deletedCount: number }>;
  deleteMany(query?: Document): Promise<{ deletedCount: number }>;
  findOneAndDelete(
    query?: Document,
    options?: { projection?: Projection; sort?: Record<string, 1 | -1> },
  ): Promise<Document | null>;
  aggregate(pipeline: Document[]): GuardedCursor;
  /** Not offered by the guard: refused with OPERATION_REFUSED (403) rather than failing as a 500. */
  bulkWrite(): Promise<never>;
  watch(): never;
}

/** The `context` Realm functions use. */
export interface RealmContext {
  user: RealmUser;
  services: { get(name: string): { db(name: string): { collection(name: string): RealmCollection } } };
  values: { get(name: string): unknown };
  functions: { execute(name: string, ...args: unknown[]): Promise<unknown> };
  environment: { tag: string; values: Record<string, unknown> };
}

/**
 * Realm's collection API over a guarded collection that is looked up on every call, so a handle kept
 * across requests (module scope) always acts for the caller of the moment.
 */
function realmCollection(current: () => GuardedCollection): RealmCollection {
  const findOptions = (projection?: Projection, options: object = {}) => ({
    ...options,
    ...(projection ? { projection } : {}),
  });
  return {
    find: (query = {}, projection, options) => current().find(query, findOptions(projection, options)),
    findOne: (query = {}, projection, options) => current().findOne(query, findOptions(projection, options)),
    count: (query = {}) => current().countDocuments(query),
    countDocuments: (query = {}) => current().countDocuments(query),
    distinct: (field, query = {}) => current().distinct(field, query),
    insertOne: (document) => current().insertOne(document),
    insertMany: async (documents) => {
      const { insertedIds } = await current().insertMany(documents);
      return { insertedIds: Object.values(insertedIds) };
    },
    updateOne: (query, update, options) => current().updateOne(query, update, options),
    updateMany: (query, update, options) => current().updateMany(query, update, options),
    findOneAndUpdate: (query, update, options) =>
      current().findOneAndUpdate(query, update, driverOptions(options)),
    replaceOne: (query, replacement, options) => current().replaceOne(query, replacement, options),
    findOneAndReplace: (query, replacement, options) =>
      current().findOneAndReplace(query, replacement, driverOptions(options)),
    deleteOne: (query = {}) => current().deleteOne(query),
    deleteMany: (query = {}) => current().deleteMany(query),
    findOneAndDelete: (query = {}, options) => current().findOneAndDelete(query, options),
    aggregate: (pipeline) => current().aggregate(pipeline),
    bulkWrite: () => current().bulkWrite(),
    watch: () => current().watch(),
  };
}

/** What a context keeps for its handles: its guards, and whether its request has ended. */
interface ContextState {
  collection(service: string, database: string, name: string): GuardedCollection;
  ended: boolean;
}

const contextStates = new WeakMap<RealmContext, ContextState>();

/**
 * The guarded collection a handle stands for right now: the current request's (whoever obtained the
 * handle), else the context that made it, unless that context's request has ended.
 */
function collectionNow(
  owner: RealmContext,
  service: string,
  database: string,
  name: string,
): GuardedCollection {
  const context = requestContext.getStore() ?? owner;
  const state = contextStates.get(context);
  if (!state || state.ended) {
    throw new GuardError(
      "OPERATION_REFUSED",
      "Refused: a collection handle used after its request ended and outside any other request. Get handles from context inside the function.",
    );
  }
  return state.collection(service, database, name);
}

function arrayMatching(options: RealmContextOptions): { userValueArrays?: "strict" | "realm" } {
  return options.userValueArrays ? { userValueArrays: options.userValueArrays } : {};
}

async function loadCustomData(
  user: RealmUser,
  options: RealmContextOptions,
): Promise<Record<string, unknown>> {
  const source = options.customUserData ?? options.rules.customUserData;
  if (!source) return {};
  const client = options.services[source.service ?? "mongodb-atlas"];
  if (!client) throw new GuardError("INVALID_RULES", `No MongoDB client for the custom user data service`);
  checkNamespace(source.database, source.collection);
  const [document] = await client
    .db(source.database)
    .collection(source.collection)
    .find({ [source.userIdField]: { $eq: user.id } }, { limit: 1 })
    .toArray();
  return document ?? {};
}

/**
 * Builds the `context` of one request for a verified user: every collection it hands out is guarded.
 * @example
 * const context = await createRealmContext(identity.user, { rules, services: { "mongodb-atlas": client } });
 * await context.services.get("mongodb-atlas").db("todo").collection("items").find({}).toArray();
 */
export async function createRealmContext(
  verifiedUser: RealmUser,
  options: RealmContextOptions,
): Promise<RealmContext> {
  const user: RealmUser = { ...verifiedUser, custom_data: await loadCustomData(verifiedUser, options) };
  const values = options.values ?? options.rules.values;
  const guards = new Map<string, Guard>();
  const guardFor = (service: string): Guard => {
    const client = options.services[service];
    if (!client || !options.rules.services.has(service)) {
      throw new GuardError("INVALID_REQUEST", `There is no data source named "${service}"`);
    }
    let guard = guards.get(service);
    if (!guard) {
      guard = createGuard({ rules: options.rules, user, client, service, values, ...arrayMatching(options) });
      guards.set(service, guard);
    }
    return guard;
  };
  const context: RealmContext = {
    user,
    services: {
      get(service) {
        guardFor(service);
        return {
          db: (database) => ({
            collection: (name) => {
              // Refusals for a bad name surface here, as before; every call looks the collection up again.
              guardFor(service).collection(database, name);
              return realmCollection(() => collectionNow(context, service, database, name));
            },
          }),
        };
      },
    },
    values: { get: (name) => (Object.hasOwn(values, name) ? values[name] : undefined) },
    functions: {
      async execute(name, ...args) {
        const fn =
          options.functions && Object.hasOwn(options.functions, name) ? options.functions[name] : undefined;
        if (!fn) throw new GuardError("UNKNOWN_FUNCTION", `There is no function named "${name}"`);
        return fn.apply(context, args as never[]);
      },
    },
    environment: { tag: options.environment?.tag ?? "", values: options.environment?.values ?? {} },
  };
  contextStates.set(context, {
    collection: (service, database, name) => guardFor(service).collection(database, name),
    ended: false,
  });
  return context;
}

const requestContext = new AsyncLocalStorage<RealmContext>();

/** After this, the context's handles act only inside another request, for that request's caller. */
function endRequest(context: RealmContext): void {
  const state = contextStates.get(context);
  if (state) state.ended = true;
}
let globalInstalled = false;

/** Realm functions read a global `context`; this makes it the current request's, even with concurrent requests. */
function installGlobalContext(): void {
  if (globalInstalled) return;
  Object.defineProperty(globalThis, "context", { configurable: true, get: () => requestContext.getStore() });
  globalInstalled = true;
}

/** The current request's context, for TypeScript functions that prefer an import to a global. */
export function realmContext(): RealmContext {
  const context = requestContext.getStore();
  if (!context) throw new GuardError("INVALID_REQUEST", "realmContext() was called outside a Realm function");
  return context;
}

const eventSchema = z.looseObject({
  headers: z.record(z.string(), z.string().optional()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

const bodySchema = z.strictObject({ arguments: z.array(z.unknown()).default([]) });

const STATUS: Record<string, number> = {
  TOKEN_MISSING: 401,
  TOKEN_INVALID: 401,
  USER_ID_MISSING: 401,
  PERMISSION_DENIED: 403,
  OPERATION_REFUSED: 403,
  INVALID_REQUEST: 400,
};

function answer(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** Options of {@link realmFunctionHandler}. */
export interface RealmFunctionHandlerOptions extends RealmContextOptions {
  identity: IdentityVerifier;
  /** Told about every failure (the error object only: never the token or the body). */
  onError?: (error: unknown) => void;
}

function parseArguments(event: z.infer<typeof eventSchema>): unknown[] {
  if (!event.body) return [];
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GuardError("INVALID_REQUEST", 'The body is not JSON; send {"arguments": [...]}');
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) throw new GuardError("INVALID_REQUEST", 'The body must be {"arguments": [...]}');
  return parsed.data.arguments;
}

/**
 * Turns a Realm function into a Lambda handler for an API Gateway HTTP API (payload 2.0) or a
 * Function URL: the user comes from the `Authorization: Bearer <ID token>` header only, the
 * arguments from the JSON body `{"arguments": [...]}`. Refusals map to 401/403/400; anything else
 * is a 500 that says nothing about the cause.
 * @example
 * export const handler = realmFunctionHandler(getMyTasks, { identity, rules, services: { "mongodb-atlas": client } });
 */
export function realmFunctionHandler(
  fn: RealmFunction,
  options: RealmFunctionHandlerOptions,
): (event: unknown) => Promise<APIGatewayProxyStructuredResultV2> {
  installGlobalContext();
  return async (rawEvent) => {
    try {
      const parsedEvent = eventSchema.safeParse(rawEvent);
      if (!parsedEvent.success) throw new GuardError("INVALID_REQUEST", "Not an HTTP API event");
      const headers = parsedEvent.data.headers ?? {};
      const authorization = headers.authorization ?? headers.Authorization;
      const { user } = await options.identity.verify(bearerToken(authorization));
      const args = parseArguments(parsedEvent.data);
      const context = await createRealmContext(user, options);
      let result: unknown;
      try {
        result = await requestContext.run(context, () => fn.apply(context, args as never[]));
      } finally {
        endRequest(context);
      }
      return answer(200, result === undefined ? null : result);
    } catch (error) {
      options.onError?.(error);
      if (error instanceof GuardError && STATUS[error.code]) {
        return answer(STATUS[error.code]!, { error: error.message, error_code: error.code });
      }
      return answer(500, { error: "The function failed", error_code: "INTERNAL" });
    }
  };
}
