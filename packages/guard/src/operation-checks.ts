import { refused } from "./errors.js";
import { type Filter, FORBIDDEN_KEYS, isPlainObject } from "./expressions.js";

/**
 * Shape checks on what handler code passes to the guard. They run before any rewriting, so that what
 * the guard reasons about is exactly what the server will execute.
 */

const FIELD_OPERATORS = new Set([
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$exists",
  "$type",
  "$regex",
  "$options",
  "$not",
  "$elemMatch",
  "$size",
  "$all",
  "$mod",
]);

const UPDATE_OPERATORS = new Set([
  "$set",
  "$unset",
  "$inc",
  "$mul",
  "$min",
  "$max",
  "$rename",
  "$push",
  "$addToSet",
  "$pull",
  "$pullAll",
  "$pop",
  "$currentDate",
  "$setOnInsert",
]);

const ARRAY_MODIFIERS = new Set(["$each", "$position", "$slice", "$sort"]);

/** BSON values the driver serialises as data: ObjectId, Decimal128, Long, Binary... */
function isBsonValue(value: object): boolean {
  return typeof (value as { _bsontype?: unknown })._bsontype === "string";
}

function checkKeyName(key: string, where: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw refused(`the key "${key}" in ${where}`);
}

/** Field paths: no forbidden segment, no empty segment, no `$` segment (positional ones allowed only where asked). */
function checkPath(path: string, where: string, positional = false): string[] {
  const parts = path.split(".");
  for (const part of parts) {
    checkKeyName(part, where);
    if (part === "") throw refused(`the empty path segment in "${path}" (${where})`);
    if (part.startsWith("$")) {
      if (positional && (part === "$" || part === "$[]" || /^\$\[[a-z][A-Za-z0-9]*\]$/.test(part))) continue;
      throw refused(`the path "${path}" in ${where}`);
    }
  }
  return parts;
}

/**
 * A value stored or compared as data. Objects with `$` keys are refused even where MongoDB would read
 * them literally: a value that looks like an operator is most often one smuggled in from a request.
 */
export function checkLiteral(value: unknown, where: string): void {
  if (value === null || value === undefined) return;
  const type = typeof value;
  if (type === "string" || type === "number" || type === "boolean" || type === "bigint") return;
  if (type !== "object") throw refused(`a ${type} value in ${where}`);
  if (value instanceof Date || value instanceof RegExp || isBsonValue(value as object)) return;
  if (Array.isArray(value)) {
    for (const item of value) checkLiteral(item, where);
    return;
  }
  if (!isPlainObject(value)) throw refused(`a non-plain object in ${where}`);
  for (const [key, item] of Object.entries(value)) {
    checkKeyName(key, where);
    if (key.startsWith("$")) throw refused(`the operator "${key}" used as a value in ${where}`);
    checkLiteral(item, where);
  }
}

/** Collects the paths a query reads, so the guard can require read permission on each. */
export function checkFilter(
  filter: unknown,
  where = "the filter",
  prefix = "",
  paths: Set<string> = new Set(),
): Set<string> {
  if (filter === undefined) return paths;
  if (!isPlainObject(filter)) throw refused(`${where} is not a plain object`);
  for (const [key, value] of Object.entries(filter)) {
    checkKeyName(key, where);
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (!Array.isArray(value) || value.length === 0)
        throw refused(`${key} without a non-empty array in ${where}`);
      for (const item of value) checkFilter(item, where, prefix, paths);
    } else if (key.startsWith("$")) {
      // $expr, $where, $function, $text, $jsonSchema, ... can read any field or run code.
      throw refused(`the query operator "${key}" in ${where}`);
    } else {
      checkPath(key, where);
      const path = prefix ? `${prefix}.${key}` : key;
      paths.add(path);
      checkFieldCondition(value, path, where, paths);
    }
  }
  return paths;
}

function checkFieldCondition(value: unknown, path: string, where: string, paths: Set<string>): void {
  if (!isPlainObject(value)) {
    checkLiteral(value, where);
    return;
  }
  const keys = Object.keys(value);
  if (!keys.some((key) => key.startsWith("$"))) {
    checkLiteral(value, where);
    return;
  }
  for (const [operator, operand] of Object.entries(value)) {
    if (!FIELD_OPERATORS.has(operator)) throw refused(`the operator "${operator}" in ${where}`);
    if (operator === "$elemMatch") {
      if (isPlainObject(operand) && Object.keys(operand).some((key) => key.startsWith("$"))) {
        checkFieldCondition(operand, path, where, paths);
      } else {
        checkFilter(operand, where, path, paths);
      }
    } else if (operator === "$not") {
      if (operand instanceof RegExp) continue;
      checkFieldCondition(operand, path, where, paths);
      if (!isPlainObject(operand)) throw refused(`$not without an operator object in ${where}`);
    } else if (operator === "$in" || operator === "$nin" || operator === "$all") {
      if (!Array.isArray(operand)) throw refused(`${operator} without an array in ${where}`);
      checkLiteral(operand, where);
    } else {
      checkLiteral(operand, where);
    }
  }
}

/** A document to insert or a replacement: data only, at every depth. */
export function checkDocument(document: unknown, where = "the document"): Record<string, unknown> {
  if (!isPlainObject(document)) throw refused(`${where} is not a plain object`);
  for (const key of Object.keys(document)) {
    if (key.includes(".")) throw refused(`the dotted field name "${key}" in ${where}`);
  }
  checkLiteral(document, where);
  return document;
}

/** What an update changes, as paths cut at the first positional segment. */
export interface CheckedUpdate {
  changedPaths: string[];
  hasSetOnInsert: boolean;
}

/** Update documents with the listed operators only; pipelines and replacements are refused. */
export function checkUpdate(update: unknown, where = "the update"): CheckedUpdate {
  if (Array.isArray(update))
    throw refused(`an aggregation pipeline as ${where} (use update operators such as $set)`);
  if (!isPlainObject(update) || Object.keys(update).length === 0)
    throw refused(`${where} is not an update document`);
  const changed = new Set<string>();
  let hasSetOnInsert = false;
  for (const [operator, fields] of Object.entries(update)) {
    checkKeyName(operator, where);
    if (!UPDATE_OPERATORS.has(operator)) throw refused(`the update operator "${operator}" in ${where}`);
    if (operator === "$setOnInsert") hasSetOnInsert = true;
    if (!isPlainObject(fields)) throw refused(`${operator} without a document in ${where}`);
    for (const [path, operand] of Object.entries(fields)) {
      const parts = checkPath(path, where, true);
      const cut = parts.findIndex((part) => part.startsWith("$"));
      changed.add((cut === -1 ? parts : parts.slice(0, cut)).join("."));
      if (cut === 0) throw refused(`a positional operator at the start of "${path}" in ${where}`);
      checkUpdateOperand(operator, operand, where, changed);
    }
  }
  return { changedPaths: [...changed], hasSetOnInsert };
}

function checkUpdateOperand(operator: string, operand: unknown, where: string, changed: Set<string>): void {
  if (operator === "$rename") {
    if (typeof operand !== "string") throw refused(`$rename to a non-string in ${where}`);
    checkPath(operand, where);
    changed.add(operand);
  } else if (operator === "$pull") {
    if (isPlainObject(operand) && Object.keys(operand).some((key) => key.startsWith("$"))) {
      checkFieldCondition(operand, "(element)", where, new Set());
    } else if (isPlainObject(operand)) {
      checkFilter(operand, where);
    } else {
      checkLiteral(operand, where);
    }
  } else if (
    (operator === "$push" || operator === "$addToSet") &&
    isPlainObject(operand) &&
    "$each" in operand
  ) {
    for (const [key, item] of Object.entries(operand)) {
      if (!ARRAY_MODIFIERS.has(key)) throw refused(`the modifier "${key}" in ${where}`);
      checkLiteral(item, where);
    }
  } else if (operator === "$currentDate") {
    if (
      operand !== true &&
      !(isPlainObject(operand) && (operand.$type === "date" || operand.$type === "timestamp"))
    ) {
      throw refused(`a $currentDate value in ${where}`);
    }
  } else {
    checkLiteral(operand, where);
  }
}

/** A projection of plain paths with 0/1, the only kind the guard can reason about. */
export type Projection = Record<string, 0 | 1 | boolean>;

export function checkProjection(projection: unknown, where = "the projection"): Projection | undefined {
  if (projection === undefined) return undefined;
  if (!isPlainObject(projection)) throw refused(`${where} is not a plain object`);
  for (const [path, value] of Object.entries(projection)) {
    checkPath(path, where);
    if (value !== 0 && value !== 1 && value !== true && value !== false) {
      throw refused(`the projection value for "${path}" (only 0 and 1 are supported)`);
    }
  }
  return projection as Projection;
}

export function checkSort(sort: unknown, where = "the sort"): Record<string, 1 | -1> | undefined {
  if (sort === undefined) return undefined;
  if (!isPlainObject(sort)) throw refused(`${where} is not a plain object`);
  for (const [path, value] of Object.entries(sort)) {
    checkPath(path, where);
    if (value !== 1 && value !== -1) throw refused(`the sort value for "${path}" (only 1 and -1)`);
  }
  return sort as Record<string, 1 | -1>;
}

/** `returnDocument` of the findOneAnd* operations: "before" (the default) or "after", nothing else. */
export function checkReturnDocument(value: unknown): "before" | "after" {
  if (value === undefined || value === "before") return "before";
  if (value === "after") return "after";
  throw refused('returnDocument other than "before" or "after"');
}

/** A replacement document: data only, no update operators and no pipeline. */
export function checkReplacement(replacement: unknown, where: string): Record<string, unknown> {
  if (isPlainObject(replacement) && Object.keys(replacement).some((key) => key.startsWith("$")))
    throw refused(`an update document passed to ${where}`);
  return checkDocument(replacement, "the replacement");
}

/** Non-negative integer options such as skip and limit. */
export function checkCount(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    throw refused(`${name} must be a non-negative integer`);
  return value;
}

/** Refuses options the guard does not know; an unknown option could change what an operation does. */
export function checkOptions(
  options: unknown,
  allowed: readonly string[],
  where: string,
): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw refused(`${where} options are not a plain object`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw refused(`the option "${key}" on ${where}`);
  }
  return options;
}

/** Does one path lie on, under or above another (`a` and `a.b` overlap; `a` and `ab` do not)? */
export function pathsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

export type { Filter };
export { isPlainObject };
