import { find as mingoFind } from "mingo";
import { GuardError } from "./errors.js";
import {
  and,
  type Bound,
  bindCondition,
  type ExpansionSource,
  type Filter,
  holds,
  nor,
  or,
  resolveTemplate,
  type Target,
} from "./expressions.js";
import { isPlainObject, type Projection, pathsOverlap } from "./operation-checks.js";
import type { CollectionRules, CompiledRole, FieldPermissions } from "./rules.js";

/** Field permissions once the user is known. */
export interface BoundFields {
  read: Bound;
  write: Bound;
  fields: ReadonlyMap<string, BoundFields>;
}

/** A role once the user is known; `selector` holds exactly for the documents this role governs. */
export interface BoundRole {
  name: string;
  applyWhen: Bound;
  selector: Bound;
  readFilter: Bound;
  writeFilter: Bound;
  read: Bound;
  write: Bound;
  insert: Bound;
  delete: Bound;
  search: Bound;
  fields: ReadonlyMap<string, BoundFields>;
  additionalRead: Bound;
  additionalWrite: Bound;
}

function bindFields(fields: ReadonlyMap<string, FieldPermissions>, source: ExpansionSource, target: Target) {
  const bound = new Map<string, BoundFields>();
  for (const [name, permission] of fields) {
    bound.set(name, {
      read: bindCondition(permission.read, source, target),
      write: bindCondition(permission.write, source, target),
      fields: bindFields(permission.fields, source, target),
    });
  }
  return bound;
}

function bindRole(
  role: CompiledRole,
  source: ExpansionSource,
  target: Target,
  selector: Bound,
  applyWhen: Bound,
): BoundRole {
  const bind = (condition: CompiledRole["read"]) => bindCondition(condition, source, target);
  return {
    name: role.name,
    applyWhen,
    selector,
    readFilter: bind(role.readFilter),
    writeFilter: bind(role.writeFilter),
    read: bind(role.read),
    write: bind(role.write),
    insert: bind(role.insert),
    delete: bind(role.delete),
    search: bind(role.search),
    fields: bindFields(role.fields, source, target),
    additionalRead: bind(role.additionalRead),
    additionalWrite: bind(role.additionalWrite),
  };
}

/**
 * Whether the path at `parts` is allowed by `own` (the field's read-or-write, or write), or else by
 * a subfield on the way down; a field with no entry falls back to `extra`, at the top level only.
 */
function fieldAllows(
  fields: ReadonlyMap<string, BoundFields>,
  extra: Bound,
  parts: readonly string[],
  own: (permission: BoundFields) => Bound,
): Bound {
  const [head, ...rest] = parts;
  const permission = fields.get(head ?? "");
  if (!permission) return extra;
  const here = own(permission);
  if (rest.length === 0 || permission.fields.size === 0) return here;
  return or([here, fieldAllows(permission.fields, false, rest, own)]);
}

const readOrWrite = (permission: BoundFields): Bound => or([permission.read, permission.write]);
const writeOnly = (permission: BoundFields): Bound => permission.write;

function anyFieldPermission(fields: ReadonlyMap<string, BoundFields>): Bound[] {
  const found: Bound[] = [];
  for (const permission of fields.values())
    found.push(permission.read, permission.write, ...anyFieldPermission(permission.fields));
  return found;
}

function isConstant(bound: Bound): bound is boolean {
  return typeof bound === "boolean";
}

/**
 * One collection's rules bound to one user. With the `stored` target the conditions are MongoDB
 * queries over stored documents (folded into the operations); with `image` they are tested in memory
 * against `{ root, prevRoot }`, the document after and before a write.
 */
export class CollectionAccess {
  readonly rules: CollectionRules;
  /** The roles some document could get, in order; roles after one that always applies are dropped. */
  readonly roles: readonly BoundRole[];
  /** Applicable filters' queries, ANDed into every operation. */
  readonly filterQuery: Bound;
  /** Applicable filters' projections, applied to every document read. */
  readonly filterProjections: readonly Projection[];
  /** No per-document work on reads: every reachable role reads every field, and no filter hides one. */
  readonly readsEverything: boolean;

  constructor(rules: CollectionRules, source: ExpansionSource, target: Target) {
    this.rules = rules;
    const roles: BoundRole[] = [];
    const earlier: Bound[] = [];
    for (const role of rules.roles) {
      const applyWhen = bindCondition(role.applyWhen, source, target);
      if (applyWhen === false) continue;
      roles.push(bindRole(role, source, target, and([applyWhen, nor(earlier)]), applyWhen));
      if (applyWhen === true) break;
      earlier.push(applyWhen);
    }
    this.roles = roles;
    const queries: Bound[] = [];
    const projections: Projection[] = [];
    if (target === "stored") {
      for (const filter of rules.filters) {
        if (bindCondition(filter.applyWhen, source, target) !== true) continue;
        const query = resolveTemplate(filter.query, source);
        queries.push(isPlainObject(query) ? (Object.keys(query).length === 0 ? true : query) : false);
        if (filter.projection) projections.push(filter.projection);
      }
    }
    this.filterQuery = and(queries);
    this.filterProjections = projections;
    this.readsEverything =
      projections.length === 0 && roles.every((role) => or([role.read, role.write]) === true);
  }

  /** The role can read every path (document-level read or write, or field by field). */
  canRead(role: BoundRole, paths: Iterable<string>): Bound {
    const extra = or([role.additionalRead, role.additionalWrite]);
    const fields = [...paths].map((path) => fieldAllows(role.fields, extra, path.split("."), readOrWrite));
    return or([role.read, role.write, and(fields)]);
  }

  /** The role can read at least one field. */
  readsSomething(role: BoundRole): Bound {
    return or([
      role.read,
      role.write,
      role.additionalRead,
      role.additionalWrite,
      ...anyFieldPermission(role.fields),
    ]);
  }

  /** The role can write every path. */
  canWrite(role: BoundRole, paths: Iterable<string>): Bound {
    const fields = [...paths].map((path) =>
      fieldAllows(role.fields, role.additionalWrite, path.split("."), writeOnly),
    );
    return or([role.write, and(fields)]);
  }

  /** Write permission on every field, which App Services requires before it considers insert or delete. */
  canWriteAll(role: BoundRole): Bound {
    const listed = [...role.fields.values()].map((permission) => permission.write);
    return or([role.write, and([role.additionalWrite, ...listed])]);
  }

  /** Documents the user may read, through a role that can read every path in `paths`. */
  visible(paths: Iterable<string> = []): Bound {
    const list = [...paths];
    return or(
      this.roles.map((role) =>
        and([
          role.selector,
          role.readFilter,
          this.readsSomething(role),
          list.length ? this.canRead(role, list) : true,
        ]),
      ),
    );
  }

  /** Documents the user may change at `changedPaths`, found by a filter over `filterPaths`. */
  writable(filterPaths: Iterable<string>, changedPaths: Iterable<string>): Bound {
    const changed = [...changedPaths];
    return this.changeable(filterPaths, (role) => [this.canWrite(role, changed)]);
  }

  /** Documents the user may change in some way: the candidates for a per-document write check. */
  writeCandidates(filterPaths: Iterable<string>): Bound {
    return this.changeable(filterPaths, (role) => [
      or([role.write, role.additionalWrite, ...[...role.fields.values()].map((p) => p.write)]),
    ]);
  }

  /** Documents the user may delete. */
  deletable(filterPaths: Iterable<string>): Bound {
    return this.changeable(filterPaths, (role) => [this.canWriteAll(role), role.delete]);
  }

  /**
   * Documents some role lets the user find by a filter over `filterPaths` and write, where that role
   * also meets what `also` asks of it.
   */
  private changeable(filterPaths: Iterable<string>, also: (role: BoundRole) => Bound[]): Bound {
    const read = [...filterPaths];
    return or(
      this.roles.map((role) =>
        and([role.selector, role.readFilter, role.writeFilter, this.canRead(role, read), ...also(role)]),
      ),
    );
  }

  /** The role that governs this document (or `{root, prevRoot}` image), or none. */
  roleFor(document: unknown): BoundRole | undefined {
    return this.roles.find((role) => holds(role.applyWhen, document));
  }

  /** The part of a stored document the user may read, or `undefined` when none. */
  view(document: Record<string, unknown>): Record<string, unknown> | undefined {
    const role = this.roleFor(document);
    if (!role || !holds(role.readFilter, document)) return undefined;
    let readable: Record<string, unknown> | undefined = document;
    if (!holds(role.read, document) && !holds(role.write, document)) {
      const extra = holds(role.additionalRead, document) || holds(role.additionalWrite, document);
      readable = projectFields(document, role.fields, extra, document);
    }
    if (!readable) return undefined;
    for (const projection of this.filterProjections) readable = applyProjection(readable, projection);
    return readable;
  }

  /**
   * A projection stage equal for every document, when every reachable role's field permissions are
   * constant and the same; `undefined` when per-document work would be needed.
   */
  staticProjection(): { stages: Filter[] } | undefined {
    if (this.readsEverything) return { stages: [] };
    const shapes = new Set<string>();
    let stage: Filter | undefined;
    for (const role of this.roles) {
      const whole = or([role.read, role.write]);
      if (!isConstant(whole)) return undefined;
      if (whole) {
        shapes.add("all");
        continue;
      }
      const included = constantReadablePaths(role.fields, "");
      const extra = or([role.additionalRead, role.additionalWrite]);
      if (!included || !isConstant(extra) || extra) return undefined;
      const projection: Filter = { _id: 0 };
      for (const path of included) projection[path] = 1;
      shapes.add(JSON.stringify(projection));
      stage = { $project: projection };
    }
    if (shapes.size > 1) return undefined;
    const stages: Filter[] = stage && !shapes.has("all") ? [stage] : [];
    for (const projection of this.filterProjections) stages.push({ $project: projection });
    return { stages };
  }
}

function constantReadablePaths(
  fields: ReadonlyMap<string, BoundFields>,
  prefix: string,
): string[] | undefined {
  const paths: string[] = [];
  for (const [name, permission] of fields) {
    const here = or([permission.read, permission.write]);
    if (!isConstant(here)) return undefined;
    const path = prefix ? `${prefix}.${name}` : name;
    if (here) {
      paths.push(path);
      continue;
    }
    const nested = constantReadablePaths(permission.fields, path);
    if (!nested) return undefined;
    paths.push(...nested);
  }
  return paths;
}

function projectFields(
  value: Record<string, unknown>,
  fields: ReadonlyMap<string, BoundFields>,
  extra: boolean,
  root: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const result: Record<string, unknown> = {};
  let kept = 0;
  for (const [key, item] of Object.entries(value)) {
    const permission = fields.get(key);
    if (!permission) {
      if (extra) {
        result[key] = item;
        kept++;
      }
      continue;
    }
    if (holds(permission.read, root) || holds(permission.write, root)) {
      result[key] = item;
      kept++;
    } else if (permission.fields.size > 0 && isPlainObject(item)) {
      const nested = projectFields(item, permission.fields, false, root);
      if (nested) {
        result[key] = nested;
        kept++;
      }
    }
  }
  return kept > 0 ? result : undefined;
}

/**
 * Whether a 0/1 projection hides any part of the value at `path`: with an inclusion projection the
 * path must lie on or under an included path; with an exclusion projection no excluded path may lie
 * on, above or under it (`distinct("meta")` would show `meta.private`).
 */
export function projectionHides(projection: Projection, path: string): boolean {
  const entries = Object.entries(projection);
  const included = (value: unknown) => value === 1 || value === true;
  if (path === "_id" || path.startsWith("_id.")) {
    if (projection._id === 0 || projection._id === false) return true;
    if (entries.some(([key, value]) => key !== "_id" && included(value))) return false;
  }
  const inclusive = entries.some(([key, value]) => key !== "_id" && included(value));
  if (inclusive)
    return !entries.some(([key, value]) => included(value) && (path === key || path.startsWith(`${key}.`)));
  return entries.some(([key, value]) => !included(value) && pathsOverlap(key, path));
}

/** Applies a 0/1 projection in memory, with MongoDB's semantics. */
export function applyProjection(
  document: Record<string, unknown>,
  projection: Projection,
): Record<string, unknown> {
  let projected: unknown;
  try {
    projected = mingoFind([document], {}, projection).next();
  } catch (error) {
    throw new GuardError("OPERATION_REFUSED", "Refused: a projection the guard could not apply", {
      cause: error,
    });
  }
  return (projected ?? {}) as Record<string, unknown>;
}

/** The paths under which two documents differ, descending into embedded documents. */
export function changedPaths(before: unknown, after: unknown, prefix = ""): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    const paths: string[] = [];
    for (const key of keys) {
      paths.push(...changedPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key));
    }
    return paths;
  }
  return sameValue(before, after) ? [] : [prefix];
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) return changedPaths(a, b).length === 0;
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    return String(a) === String(b) && a.constructor === b.constructor;
  }
  return false;
}

/** Paths of a document as field permissions see it: into embedded documents where permissions are nested. */
export function documentFieldPaths(
  document: Record<string, unknown>,
  fields: ReadonlyMap<string, BoundFields>,
  prefix = "",
): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const permission = fields.get(key);
    if (permission && permission.fields.size > 0 && isPlainObject(value) && permission.write !== true) {
      const nested = documentFieldPaths(value, permission.fields, path);
      paths.push(...(nested.length > 0 ? nested : [path]));
    } else {
      paths.push(path);
    }
  }
  return paths;
}
