import { Query } from "mingo";
import { ObjectId } from "mongodb";
import { ExpressionError, GuardError } from "./errors.js";

/** A MongoDB query document. */
export type Filter = Record<string, unknown>;

/**
 * A rule expression once the user and the values are known: a constant, or a MongoDB query that
 * decides it per document. Constants let most requests skip per-document work entirely.
 */
export type Bound = boolean | Filter;

/** Names that must never be used as a key: they reach the prototype chain of plain objects. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

type Operator =
  | "eq"
  | "ne"
  | "gt"
  | "gte"
  | "lt"
  | "lte"
  | "in"
  | "nin"
  | "exists"
  | "all"
  | "size"
  | "type"
  | "regex"
  | "mod"
  | "elemMatch"
  | "not";

const OPERATORS: Readonly<Record<string, Operator>> = {
  $eq: "eq",
  "%eq": "eq",
  $ne: "ne",
  "%ne": "ne",
  $gt: "gt",
  $gte: "gte",
  $lt: "lt",
  $lte: "lte",
  $in: "in",
  "%in": "in",
  $nin: "nin",
  "%nin": "nin",
  $exists: "exists",
  "%exists": "exists",
  // MongoDB query operators App Services passes through to the server in document filters and roles.
  $all: "all",
  "%all": "all",
  $size: "size",
  $type: "type",
  $regex: "regex",
  $mod: "mod",
  $elemMatch: "elemMatch",
  $not: "not",
};

/** Operators allowed inside `$elemMatch` and `$not` operands (data comparisons only). */
const NESTED_OPERATORS: ReadonlySet<string> = new Set([
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$exists",
  "$all",
  "$size",
  "$type",
  "$regex",
  "$options",
  "$mod",
  "$elemMatch",
  "$not",
  "$and",
  "$or",
  "$nor",
]);

/** BSON type names and numbers `$type` accepts. */
const TYPE_NAMES: ReadonlySet<unknown> = new Set([
  "double",
  "string",
  "object",
  "array",
  "binData",
  "objectId",
  "bool",
  "date",
  "null",
  "regex",
  "int",
  "timestamp",
  "long",
  "decimal",
  "number",
  1,
  2,
  3,
  4,
  5,
  7,
  8,
  9,
  10,
  11,
  16,
  17,
  18,
  19,
]);

/** A value known before any document is read. */
export type StaticValue =
  | { kind: "literal"; value: unknown }
  | { kind: "expansion"; source: "user" | "values"; path: readonly string[] }
  | { kind: "array"; items: readonly StaticValue[] }
  | { kind: "object"; entries: readonly (readonly [string, StaticValue])[] }
  /** `%stringToOid` / `%oidToString` of a literal or an expansion. */
  | { kind: "convert"; to: "oid" | "string"; of: StaticValue };

type DocumentRef = { doc: "root" | "prevRoot"; path: string };

/** A parsed rule expression; parsing checks everything, so binding never fails. */
export type Condition =
  | { kind: "const"; value: boolean }
  | { kind: "and" | "or" | "nor"; items: readonly Condition[] }
  | {
      kind: "field";
      ref: DocumentRef;
      op: Operator;
      value: StaticValue;
      /** `{"%%user.id": {"%in": "%%root.members"}}`: the field is meant to be an array holding the value. */
      member?: boolean;
    }
  | { kind: "static"; subject: StaticValue; op: Operator; value: StaticValue };

export const ALWAYS: Condition = { kind: "const", value: true };
export const NEVER: Condition = { kind: "const", value: false };

const USER_FIELDS = new Set(["id", "type", "data", "custom_data", "identities"]);

/** An object literal (or `Object.create(null)`): not an array, a Date, a BSON value or another class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkKey(key: string, field: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw new ExpressionError(field, `the key "${key}" is not allowed`);
}

function splitPath(path: string, field: string): string[] {
  const parts = path.split(".");
  for (const part of parts) {
    if (part === "") throw new ExpressionError(field, `"${path}" has an empty path segment`);
    checkKey(part, field);
  }
  return parts;
}

type Reference = { kind: "document"; ref: DocumentRef } | { kind: "static"; value: StaticValue };

/** Reads a `%%...` string; everything the guard cannot evaluate is refused here, at load time. */
function parseExpansion(text: string, field: string): Reference {
  if (text === "%%true") return { kind: "static", value: { kind: "literal", value: true } };
  if (text === "%%false") return { kind: "static", value: { kind: "literal", value: false } };
  const [head, ...rest] = splitPath(text.slice(2), field);
  if (head === "root" || head === "prevRoot")
    return { kind: "document", ref: { doc: head, path: rest.join(".") } };
  if (head === "user") {
    if (rest.length > 0 && !USER_FIELDS.has(rest[0] ?? "")) {
      throw new ExpressionError(
        field,
        `"${text}" is not a field of %%user (id, type, data, custom_data, identities)`,
      );
    }
    return { kind: "static", value: { kind: "expansion", source: "user", path: rest } };
  }
  if (head === "values" && rest.length > 0) {
    return { kind: "static", value: { kind: "expansion", source: "values", path: rest } };
  }
  throw new ExpressionError(field, `the expansion "${text}" is not supported by the guard`);
}

function parseReference(raw: unknown, field: string): Reference {
  if (typeof raw === "string" && raw.startsWith("%%")) return parseExpansion(raw, field);
  return { kind: "static", value: parseStatic(raw, field) };
}

/** A literal that may hold user or values expansions; operators and document references are refused. */
export function parseStatic(raw: unknown, field: string): StaticValue {
  if (typeof raw === "string" && raw.startsWith("%%")) {
    const reference = parseExpansion(raw, field);
    if (reference.kind === "document") {
      throw new ExpressionError(
        field,
        `"${raw}" cannot be used here: compare a document field with a fixed value`,
      );
    }
    return reference.value;
  }
  if (Array.isArray(raw))
    return { kind: "array", items: raw.map((item, i) => parseStatic(item, `${field}[${i}]`)) };
  const conversion = parseConversion(raw, field);
  if (conversion) return conversion;
  if (isPlainObject(raw)) {
    const entries = Object.entries(raw).map(([key, value]) => {
      checkKey(key, field);
      if (key.startsWith("%") || key.startsWith("$")) {
        throw new ExpressionError(`${field}.${key}`, `the operator "${key}" is not supported here`);
      }
      return [key, parseStatic(value, `${field}.${key}`)] as const;
    });
    return { kind: "object", entries };
  }
  if (raw === null || ["string", "number", "boolean"].includes(typeof raw))
    return { kind: "literal", value: raw };
  throw new ExpressionError(field, "expected a JSON value");
}

/** `{"%stringToOid": ...}` or `{"%oidToString": ...}`: converts a literal or an expansion, nothing else. */
export function parseConversion(raw: unknown, field: string): StaticValue | undefined {
  if (!isPlainObject(raw)) return undefined;
  const keys = Object.keys(raw);
  if (keys.length !== 1 || (keys[0] !== "%stringToOid" && keys[0] !== "%oidToString")) return undefined;
  const key = keys[0];
  const of = parseStatic(raw[key], `${field}.${key}`);
  if (of.kind !== "literal" && of.kind !== "expansion")
    throw new ExpressionError(`${field}.${key}`, `${key} takes a literal or an expansion`);
  return { kind: "convert", to: key === "%stringToOid" ? "oid" : "string", of };
}

/**
 * The operand of `$elemMatch` or `$not`: a query over the element, whose keys are field names or
 * data-comparison operators and whose values are literals or `%%user`/`%%values` expansions.
 */
function parseNestedQuery(raw: unknown, field: string): StaticValue {
  if (raw instanceof RegExp) return { kind: "literal", value: raw };
  if (!isPlainObject(raw)) throw new ExpressionError(field, "expected a query object");
  const entries: (readonly [string, StaticValue])[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const where = `${field}.${key}`;
    checkKey(key, where);
    if (key.startsWith("%") || (key.startsWith("$") && !NESTED_OPERATORS.has(key)))
      throw new ExpressionError(where, `the operator "${key}" is not supported inside this operator`);
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (!Array.isArray(value) || value.length === 0)
        throw new ExpressionError(where, "expected a non-empty array");
      entries.push([
        key,
        { kind: "array", items: value.map((item, i) => parseNestedQuery(item, `${where}[${i}]`)) },
      ]);
    } else if (
      key === "$elemMatch" ||
      key === "$not" ||
      (!key.startsWith("$") && isPlainObject(value) && Object.keys(value).some((k) => k.startsWith("$")))
    ) {
      if (!key.startsWith("$")) splitPath(key, where);
      entries.push([key, parseNestedQuery(value, where)]);
    } else {
      if (!key.startsWith("$")) splitPath(key, where);
      entries.push([key, parseStatic(value, where)]);
    }
  }
  return { kind: "object", entries };
}

/** Checks the operand of a MongoDB query operator at load time; refuses shapes the server would reject. */
function parseOperand(op: Operator, raw: unknown, field: string): Reference {
  switch (op) {
    case "elemMatch":
    case "not":
      return { kind: "static", value: parseNestedQuery(raw, field) };
    case "size":
      if (!(typeof raw === "number" && Number.isInteger(raw) && raw >= 0) && !isExpansionString(raw))
        throw new ExpressionError(field, "$size takes a non-negative integer");
      break;
    case "type":
      if (
        !(
          TYPE_NAMES.has(raw) ||
          (Array.isArray(raw) && raw.length > 0 && raw.every((t) => TYPE_NAMES.has(t)))
        )
      )
        throw new ExpressionError(field, "$type takes a BSON type name or number");
      break;
    case "mod":
      if (!(Array.isArray(raw) && raw.length === 2 && raw.every((n) => Number.isInteger(n)) && raw[0] !== 0))
        throw new ExpressionError(field, "$mod takes [divisor, remainder] with a non-zero integer divisor");
      break;
    case "all":
      if (!Array.isArray(raw) && !isExpansionString(raw))
        throw new ExpressionError(field, "$all takes an array");
      break;
    default:
      break;
  }
  return parseReference(raw, field);
}

/** Any copy of bson's ObjectId (the driver's and the application's may be different module instances). */
function isObjectId(value: unknown): value is { toHexString(): string } {
  const type = (value as { _bsontype?: unknown } | null)?._bsontype;
  return type === "ObjectId" || type === "ObjectID";
}

function isExpansionString(raw: unknown): boolean {
  return typeof raw === "string" && raw.startsWith("%%");
}

/** `{"$regex": "...", "$options": "i"}` as one RegExp literal; only the options JavaScript shares with MongoDB. */
function regexOperand(raw: Record<string, unknown>, field: string): RegExp {
  const pattern = raw.$regex;
  const options = raw.$options ?? "";
  if (typeof options !== "string" || !/^[ims]*$/.test(options))
    throw new ExpressionError(`${field}.$options`, "$options may only hold i, m and s");
  if (pattern instanceof RegExp) return pattern;
  if (typeof pattern !== "string") throw new ExpressionError(`${field}.$regex`, "$regex takes a string");
  try {
    return new RegExp(pattern, options);
  } catch {
    throw new ExpressionError(`${field}.$regex`, "not a valid regular expression");
  }
}

function isOperatorObject(raw: unknown, field: string): raw is Record<string, unknown> {
  if (!isPlainObject(raw)) return false;
  const keys = Object.keys(raw);
  const operators = keys.filter((key) => key.startsWith("$") || key.startsWith("%"));
  if (operators.length === 0) return false;
  if (operators.length !== keys.length) {
    throw new ExpressionError(field, "mixes operators and field names in one object");
  }
  return true;
}

function parseComparison(subject: Reference, raw: unknown, field: string): Condition {
  const pairs: [Operator, unknown, string][] = [];
  if (parseConversion(raw, field)) {
    pairs.push(["eq", raw, field]);
  } else if (isOperatorObject(raw, field)) {
    for (const [key, value] of Object.entries(raw)) {
      if (key === "$options") {
        if (!Object.hasOwn(raw, "$regex"))
          throw new ExpressionError(`${field}.$options`, "$options needs $regex");
        continue;
      }
      if (key === "$regex") {
        pairs.push(["regex", regexOperand(raw, field), `${field}.$regex`]);
        continue;
      }
      if (key === "%function")
        throw new ExpressionError(
          `${field}.${key}`,
          'the operator "%function" needs the App Services function runtime; the guard cannot evaluate it (rewrite the rule with fields and %%user values)',
        );
      const op = OPERATORS[key];
      if (!op)
        throw new ExpressionError(`${field}.${key}`, `the operator "${key}" is not supported by the guard`);
      pairs.push([op, value, `${field}.${key}`]);
    }
  } else {
    pairs.push(["eq", raw, field]);
  }
  const items = pairs.map(([op, value, where]) => comparison(subject, op, value, where));
  return items.length === 1 ? items[0]! : { kind: "and", items };
}

function comparison(subject: Reference, op: Operator, raw: unknown, field: string): Condition {
  const value =
    raw instanceof RegExp
      ? ({ kind: "static", value: { kind: "literal", value: raw } } as const)
      : parseOperand(op, raw, field);
  if (op === "exists" && !(value.kind === "static" && value.value.kind === "literal")) {
    throw new ExpressionError(field, "%exists takes true or false");
  }
  if (subject.kind === "document") {
    if (value.kind === "document")
      throw new ExpressionError(field, "compares two document fields; not supported");
    if (subject.ref.path === "" && op !== "exists") {
      throw new ExpressionError(
        field,
        `a whole document (%%${subject.ref.doc}) can only be tested with %exists`,
      );
    }
    return { kind: "field", ref: subject.ref, op, value: value.value };
  }
  if (value.kind === "document") {
    // `{"%%user.id": "%%root.owner"}` and `{"%%user.id": {"%in": "%%root.members"}}` read as a match on the field.
    if ((op === "eq" || op === "in") && value.ref.path !== "") {
      return { kind: "field", ref: value.ref, op: "eq", value: subject.value, member: op === "in" };
    }
    throw new ExpressionError(field, "only equality or %in can compare a fixed value with a document field");
  }
  return { kind: "static", subject: subject.value, op, value: value.value };
}

/**
 * Parses a Realm rule expression (`apply_when`, `read`, `document_filters.write`, ...). Anything the
 * guard could misread — `%function`, `%%request`, unknown operators, field-to-field comparisons — is
 * an error naming the field, so a rules file either means exactly what it says or does not load.
 */
export function parseExpression(raw: unknown, field: string): Condition {
  if (raw === true || raw === "%%true") return ALWAYS;
  if (raw === false || raw === "%%false") return NEVER;
  if (!isPlainObject(raw)) throw new ExpressionError(field, "expected an expression: an object or a boolean");
  const items: Condition[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const where = field ? `${field}.${key}` : key;
    checkKey(key, where);
    const logical = {
      $and: "and",
      "%and": "and",
      $or: "or",
      "%or": "or",
      $nor: "nor",
      "%nor": "nor",
    } as const;
    if (Object.hasOwn(logical, key)) {
      if (!Array.isArray(value) || value.length === 0)
        throw new ExpressionError(where, "expected a non-empty array");
      items.push({
        kind: logical[key as keyof typeof logical],
        items: value.map((item, i) => parseExpression(item, `${where}[${i}]`)),
      });
    } else if (key.startsWith("%%")) {
      items.push(parseComparison(parseExpansion(key, where), value, where));
    } else if (key.startsWith("%") || key.startsWith("$")) {
      throw new ExpressionError(where, `the operator "${key}" is not supported by the guard`);
    } else {
      splitPath(key, where);
      items.push(parseComparison({ kind: "document", ref: { doc: "root", path: key } }, value, where));
    }
  }
  if (items.length === 0) return ALWAYS;
  return items.length === 1 ? items[0]! : { kind: "and", items };
}

/** Every document path an expression reads, for both `%%root` and `%%prevRoot`. */
export function documentPaths(condition: Condition, into: Set<string> = new Set()): Set<string> {
  if (condition.kind === "field") {
    if (condition.ref.path) into.add(condition.ref.path);
  } else if (condition.kind === "and" || condition.kind === "or" || condition.kind === "nor") {
    for (const item of condition.items) documentPaths(item, into);
  }
  return into;
}

/** What a `%%user` / `%%values` expansion resolves against. */
export interface ExpansionSource {
  user: Record<string, unknown>;
  values: Record<string, unknown>;
  /** See `GuardOptions.userValueArrays`; absent means strict. */
  userValueArrays?: "strict" | "realm";
}

/** Where `%%root` / `%%prevRoot` live in the object a bound filter is tested against. */
export type Target = "stored" | "image";

const MISSING = Symbol("missing");

function lookup(source: unknown, path: readonly string[]): unknown {
  let current: unknown = source;
  for (const part of path) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, part)) return MISSING;
    current = (current as Record<string, unknown>)[part];
  }
  return current === undefined ? MISSING : current;
}

/**
 * A static value for one user; MISSING when an expansion finds nothing. With `dataOnly` (query
 * templates) an expanded value carrying `$` keys is MISSING too, so it can never act as an operator.
 */
function resolve(value: StaticValue, source: ExpansionSource, dataOnly = false): unknown {
  switch (value.kind) {
    case "literal":
      return value.value;
    case "expansion": {
      const resolved = lookup(value.source === "user" ? source.user : source.values, value.path);
      return dataOnly && resolved !== MISSING && holdsOperatorKeys(resolved) ? MISSING : resolved;
    }
    case "array": {
      const items = value.items.map((item) => resolve(item, source, dataOnly));
      return items.includes(MISSING) ? MISSING : items;
    }
    case "object": {
      const object: Record<string, unknown> = {};
      for (const [key, item] of value.entries) {
        const resolved = resolve(item, source, dataOnly);
        if (resolved === MISSING) return MISSING;
        object[key] = resolved;
      }
      return object;
    }
    case "convert": {
      const resolved = resolve(value.of, source, dataOnly);
      if (value.to === "oid")
        return typeof resolved === "string" && /^[0-9a-fA-F]{24}$/.test(resolved)
          ? new ObjectId(resolved)
          : MISSING;
      return isObjectId(resolved) ? resolved.toHexString() : MISSING;
    }
  }
}

/** Values from a user's claims or custom data may hold `$` keys; they must stay data, never operators. */
function holdsOperatorKeys(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsOperatorKeys);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(
      ([key, item]) => key.startsWith("$") || FORBIDDEN_KEYS.has(key) || holdsOperatorKeys(item),
    );
  }
  return false;
}

function refPath(ref: DocumentRef, target: Target): string {
  if (target === "stored") return ref.path;
  return ref.path ? `${ref.doc}.${ref.path}` : ref.doc;
}

/**
 * Resolves an expression for one user: static parts become constants, document parts become a
 * MongoDB query. An expansion that resolves to nothing makes its comparison false (fail closed),
 * so a user without `custom_data.team` matches no `{team: "%%user.custom_data.team"}` document.
 */
export function bindCondition(condition: Condition, source: ExpansionSource, target: Target): Bound {
  switch (condition.kind) {
    case "const":
      return condition.value;
    case "and":
      return and(condition.items.map((item) => bindCondition(item, source, target)));
    case "or":
      return or(condition.items.map((item) => bindCondition(item, source, target)));
    case "nor":
      return nor(condition.items.map((item) => bindCondition(item, source, target)));
    case "field": {
      if (condition.ref.path === "" && target === "stored") {
        // The stored document exists, whether named %%root or %%prevRoot.
        return resolve(condition.value, source) === true;
      }
      const nested = condition.op === "elemMatch" || condition.op === "not";
      const value = resolve(condition.value, source, true);
      if (value === MISSING || (!nested && holdsOperatorKeys(value))) return false;
      const fromUser = mentionsUser(condition.value);
      // A null user value would match every document lacking the field (`{team: null}`): never.
      if (mentionsExpansion(condition.value) && holdsNull(value)) return false;
      if (
        (condition.op === "in" || condition.op === "nin" || condition.op === "all") &&
        !Array.isArray(value)
      )
        return false;
      const path = refPath(condition.ref, target);
      const test = { [`$${condition.op}`]: value };
      if (!fromUser || condition.member || source.userValueArrays === "realm") return { [path]: test };
      // Only equality: `$in`/`%in` with a user value is how rules express membership of an array.
      if (condition.op !== "eq") return { [path]: test };
      return strictMatch(condition.ref, target, test);
    }
    case "static": {
      const subject = resolve(condition.subject, source);
      const value = resolve(condition.value, source);
      if (condition.op === "exists") return (subject !== MISSING) === (value === true);
      if (subject === MISSING || value === MISSING) return false;
      if (
        (mentionsExpansion(condition.subject) && holdsNull(subject)) ||
        (mentionsExpansion(condition.value) && holdsNull(value))
      )
        return false;
      if (
        (condition.op === "in" || condition.op === "nin" || condition.op === "all") &&
        !Array.isArray(value)
      )
        return false;
      return holds({ v: { [`$${condition.op}`]: value } }, { v: subject });
    }
  }
}

function mentionsUser(value: StaticValue): boolean {
  switch (value.kind) {
    case "literal":
      return false;
    case "expansion":
      return value.source === "user";
    case "array":
      return value.items.some(mentionsUser);
    case "object":
      return value.entries.some(([, item]) => mentionsUser(item));
    case "convert":
      return mentionsUser(value.of);
  }
}

function mentionsExpansion(value: StaticValue): boolean {
  switch (value.kind) {
    case "literal":
      return false;
    case "expansion":
      return true;
    case "array":
      return value.items.some(mentionsExpansion);
    case "object":
      return value.entries.some(([, item]) => mentionsExpansion(item));
    case "convert":
      return mentionsExpansion(value.of);
  }
}

function holdsNull(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.some((item) => item === null));
}

/**
 * `{owner_id: "%%user.id"}` matched strictly: the field (and every field on the way to it) must not
 * be an array, so a document naming several owners is nobody's own. Realm matched array members.
 */
function strictMatch(ref: DocumentRef, target: Target, test: Filter): Filter {
  const parts = ref.path.split(".");
  const query: Filter = {};
  for (let i = 1; i < parts.length; i++) {
    query[refPath({ doc: ref.doc, path: parts.slice(0, i).join(".") }, target)] = NOT_ARRAY;
  }
  query[refPath(ref, target)] = { ...test, ...NOT_ARRAY };
  return query;
}

const NOT_ARRAY: Filter = { $not: { $type: "array" } };

/** Conjunction with constant folding. */
export function and(items: readonly Bound[]): Bound {
  const kept: Filter[] = [];
  for (const item of items) {
    if (item === false) return false;
    if (item !== true) kept.push(item);
  }
  if (kept.length === 0) return true;
  if (kept.length === 1) return kept[0]!;
  // Disjoint keys mean the same as $and, and engines match a flat query faster.
  const merged: Filter = {};
  for (const item of kept) {
    for (const key of Object.keys(item)) {
      if (Object.hasOwn(merged, key)) return { $and: kept };
      merged[key] = item[key];
    }
  }
  return merged;
}

/** Disjunction with constant folding. */
export function or(items: readonly Bound[]): Bound {
  const kept: Filter[] = [];
  for (const item of items) {
    if (item === true) return true;
    if (item !== false) kept.push(item);
  }
  if (kept.length === 0) return false;
  return kept.length === 1 ? kept[0]! : { $or: kept };
}

/** None of the items holds. */
export function nor(items: readonly Bound[]): Bound {
  const kept: Filter[] = [];
  for (const item of items) {
    if (item === true) return false;
    if (item !== false) kept.push(item);
  }
  return kept.length === 0 ? true : { $nor: kept };
}

/** A query that matches no document, for drivers that need a filter object. */
export const MATCH_NOTHING: Filter = { _id: { $in: [] } };

/** Turns a bound condition into a query for the driver. */
export function asFilter(bound: Bound): Filter {
  if (bound === true) return {};
  if (bound === false) return MATCH_NOTHING;
  return bound;
}

const compiled = new WeakMap<Filter, Query>();

/** Tests a bound condition against one document in memory, with the same semantics as the server. */
export function holds(bound: Bound, document: unknown): boolean {
  if (typeof bound === "boolean") return bound;
  try {
    let query = compiled.get(bound);
    if (!query) {
      query = new Query(bound);
      compiled.set(bound, query);
    }
    return query.test(document as Record<string, unknown>);
  } catch (error) {
    throw new GuardError(
      "OPERATION_REFUSED",
      "Refused: a rule the guard could not evaluate on this document",
      {
        cause: error,
      },
    );
  }
}

/**
 * Resolves a filter's query template for one user. `undefined` when an expansion is missing or a
 * resolved value carries `$` keys: the caller then treats the filter as matching nothing.
 */
export function resolveTemplate(value: StaticValue, source: ExpansionSource): unknown {
  const resolved = resolve(value, source, true);
  if (resolved === MISSING) return undefined;
  if (value.kind !== "object") return resolved;
  const query = resolved as Filter;
  for (const [key, template] of value.entries) {
    if (key.startsWith("$") || !mentionsExpansion(template)) continue;
    const item = query[key];
    // A null user value would match documents lacking the field; a user value never matches arrays by membership.
    if (holdsNull(item) && !(isPlainObject(item) && Object.keys(item).length > 0)) return undefined;
    if (template.kind === "expansion" && template.source === "user" && source.userValueArrays !== "realm")
      query[key] = { $eq: item, ...NOT_ARRAY };
  }
  return query;
}
