import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { ExpressionError, RulesError } from "./errors.js";
import {
  ALWAYS,
  type Condition,
  documentPaths,
  NEVER,
  parseConversion,
  parseExpression,
  parseStatic,
  type StaticValue,
} from "./expressions.js";
import { checkFilter, checkProjection, isPlainObject, type Projection } from "./operation-checks.js";

const expression = z.unknown();

type FieldPermissionJson = { read?: unknown; write?: unknown; fields?: Record<string, FieldPermissionJson> };
const fieldPermission: z.ZodType<FieldPermissionJson> = z.lazy(() =>
  z.strictObject({
    read: expression.optional(),
    write: expression.optional(),
    fields: z.record(z.string(), fieldPermission).optional(),
  }),
);

const roleSchema = z.strictObject({
  id: z.string().optional(),
  name: z.string().max(100),
  apply_when: expression.optional(),
  document_filters: z.strictObject({ read: expression.optional(), write: expression.optional() }).optional(),
  read: expression.optional(),
  write: expression.optional(),
  insert: expression.optional(),
  delete: expression.optional(),
  search: expression.optional(),
  fields: z.record(z.string(), fieldPermission).optional(),
  additional_fields: z.strictObject({ read: expression.optional(), write: expression.optional() }).optional(),
});

const filterSchema = z.strictObject({
  id: z.string().optional(),
  name: z.string(),
  apply_when: expression.optional(),
  query: z.record(z.string(), z.unknown()).optional(),
  projection: z.record(z.string(), z.unknown()).optional(),
});

/** `rules.json` of one collection, or `default_rule.json` of a data source. */
export const rulesFileSchema = z.strictObject({
  id: z.string().optional(),
  database: z.string().optional(),
  collection: z.string().optional(),
  roles: z.array(roleSchema).default([]),
  filters: z.array(filterSchema).default([]),
  // Older exports keep the document schema here; it shapes data, it grants nothing, and is not enforced.
  schema: z.unknown().optional(),
});

export type RulesFile = z.input<typeof rulesFileSchema>;

/** Field-level permissions, nested like the document. */
export interface FieldPermissions {
  read: Condition;
  write: Condition;
  fields: ReadonlyMap<string, FieldPermissions>;
}

/** One role, parsed; defaults follow App Services (insert, delete and search true; read and write false). */
export interface CompiledRole {
  name: string;
  applyWhen: Condition;
  readFilter: Condition;
  writeFilter: Condition;
  read: Condition;
  write: Condition;
  insert: Condition;
  delete: Condition;
  search: Condition;
  fields: ReadonlyMap<string, FieldPermissions>;
  additionalRead: Condition;
  additionalWrite: Condition;
}

/** One filter: applies when `applyWhen` holds, narrows every operation with `query`, hides fields with `projection`. */
export interface CompiledFilter {
  name: string;
  applyWhen: Condition;
  query: StaticValue;
  projection: Projection | undefined;
}

/** The rules of one collection, ready to bind to a user. */
export interface CollectionRules {
  /** Where the rules came from, for messages. */
  source: string;
  roles: readonly CompiledRole[];
  filters: readonly CompiledFilter[];
  /** Document paths any role or filter reads: an update touching one needs a per-document check. */
  guardedPaths: ReadonlySet<string>;
}

function optionalExpression(raw: unknown, field: string, fallback: Condition): Condition {
  return raw === undefined ? fallback : parseExpression(raw, field);
}

function compileFields(
  raw: Record<string, FieldPermissionJson> | undefined,
  field: string,
): Map<string, FieldPermissions> {
  const fields = new Map<string, FieldPermissions>();
  for (const [name, permission] of Object.entries(raw ?? {})) {
    const where = `${field}.${name}`;
    if (
      name.includes(".") ||
      name.startsWith("$") ||
      name === "__proto__" ||
      name === "constructor" ||
      name === "prototype"
    ) {
      throw new ExpressionError(where, `"${name}" is not a field name`);
    }
    fields.set(name, {
      read: optionalExpression(permission.read, `${where}.read`, NEVER),
      write: optionalExpression(permission.write, `${where}.write`, NEVER),
      fields: compileFields(permission.fields, `${where}.fields`),
    });
  }
  return fields;
}

function compileRole(role: z.infer<typeof roleSchema>, field: string): CompiledRole {
  return {
    name: role.name,
    applyWhen: optionalExpression(role.apply_when, `${field}.apply_when`, ALWAYS),
    readFilter: optionalExpression(role.document_filters?.read, `${field}.document_filters.read`, ALWAYS),
    writeFilter: optionalExpression(role.document_filters?.write, `${field}.document_filters.write`, ALWAYS),
    read: optionalExpression(role.read, `${field}.read`, NEVER),
    write: optionalExpression(role.write, `${field}.write`, NEVER),
    insert: optionalExpression(role.insert, `${field}.insert`, ALWAYS),
    delete: optionalExpression(role.delete, `${field}.delete`, ALWAYS),
    search: optionalExpression(role.search, `${field}.search`, ALWAYS),
    fields: compileFields(role.fields, `${field}.fields`),
    additionalRead: optionalExpression(
      role.additional_fields?.read,
      `${field}.additional_fields.read`,
      NEVER,
    ),
    additionalWrite: optionalExpression(
      role.additional_fields?.write,
      `${field}.additional_fields.write`,
      NEVER,
    ),
  };
}

function compileFilter(filter: z.infer<typeof filterSchema>, field: string): CompiledFilter {
  const applyWhen = optionalExpression(filter.apply_when, `${field}.apply_when`, ALWAYS);
  if (documentPaths(applyWhen).size > 0 || mentionsDocument(filter.apply_when)) {
    throw new ExpressionError(
      `${field}.apply_when`,
      "a filter's apply_when cannot use %%root or document fields",
    );
  }
  const query = filter.query ?? {};
  try {
    checkFilter(withoutExpansions(query));
  } catch (error) {
    throw new ExpressionError(`${field}.query`, (error as Error).message);
  }
  let projection: Projection | undefined;
  try {
    projection =
      filter.projection && Object.keys(filter.projection).length > 0
        ? checkProjection(filter.projection)
        : undefined;
  } catch (error) {
    throw new ExpressionError(`${field}.projection`, (error as Error).message);
  }
  return { name: filter.name, applyWhen, query: parseQueryTemplate(query, `${field}.query`), projection };
}

function mentionsDocument(raw: unknown): boolean {
  return JSON.stringify(raw ?? {}).includes("%%root") || JSON.stringify(raw ?? {}).includes("%%prevRoot");
}

/** Replaces expansion strings by a placeholder so the query's shape can be checked at load time. */
function withoutExpansions(value: unknown): unknown {
  if (typeof value === "string" && value.startsWith("%%")) return "expansion";
  if (parseConversion(value, "")) return "expansion";
  if (Array.isArray(value)) return value.map(withoutExpansions);
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutExpansions(v)]));
  return value;
}

/** A filter's MongoDB query with `%%user`/`%%values` inside values; its operators were checked above. */
function parseQueryTemplate(value: unknown, field: string): StaticValue {
  if (typeof value === "string" && value.startsWith("%%")) return parseStatic(value, field);
  const conversion = parseConversion(value, field);
  if (conversion) return conversion;
  if (Array.isArray(value))
    return { kind: "array", items: value.map((item, i) => parseQueryTemplate(item, `${field}[${i}]`)) };
  if (isPlainObject(value)) {
    return {
      kind: "object",
      entries: Object.entries(value).map(
        ([key, item]) => [key, parseQueryTemplate(item, `${field}.${key}`)] as const,
      ),
    };
  }
  return { kind: "literal", value };
}

function rolePaths(role: CompiledRole, into: Set<string>): void {
  for (const condition of [
    role.applyWhen,
    role.readFilter,
    role.writeFilter,
    role.read,
    role.write,
    role.insert,
    role.delete,
    role.search,
    role.additionalRead,
    role.additionalWrite,
  ]) {
    documentPaths(condition, into);
  }
  const visit = (fields: ReadonlyMap<string, FieldPermissions>) => {
    for (const permission of fields.values()) {
      documentPaths(permission.read, into);
      documentPaths(permission.write, into);
      visit(permission.fields);
    }
  };
  visit(role.fields);
}

/**
 * Parses one rules file (the JSON already read). Every problem is a {@link RulesError} naming the
 * file and the field.
 * @example
 * const rules = compileRulesFile({ roles: [{ name: "owner", apply_when: { owner_id: "%%user.id" }, read: true, write: true }] }, "todo/items/rules.json");
 */
export function compileRulesFile(json: unknown, source: string): CollectionRules {
  const parsed = rulesFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = (issue?.path ?? []).map(String).join(".");
    const keys = issue && "keys" in issue ? ` ${(issue.keys as string[]).join(", ")}` : "";
    throw new RulesError(source, field, `${issue?.message ?? "invalid rules file"}${keys}`);
  }
  try {
    const roles = parsed.data.roles.map((role, i) => compileRole(role, `roles[${i}]`));
    const filters = parsed.data.filters.map((filter, i) => compileFilter(filter, `filters[${i}]`));
    const guardedPaths = new Set<string>();
    for (const role of roles) rolePaths(role, guardedPaths);
    for (const filter of filters) {
      for (const path of checkFilter(withoutExpansions(queryShape(filter.query)))) guardedPaths.add(path);
    }
    return { source, roles, filters, guardedPaths };
  } catch (error) {
    if (error instanceof ExpressionError) throw new RulesError(source, error.field, error.message);
    throw error;
  }
}

function queryShape(value: StaticValue): unknown {
  switch (value.kind) {
    case "literal":
      return value.value;
    case "expansion":
    case "convert":
      return "expansion";
    case "array":
      return value.items.map(queryShape);
    case "object":
      return Object.fromEntries(value.entries.map(([key, item]) => [key, queryShape(item)]));
  }
}

/** The rules of one data source (`data_sources/<service>`): per-collection rules and the default rule. */
export class ServiceRules {
  readonly name: string;
  private readonly collections: ReadonlyMap<string, CollectionRules>;
  private readonly defaultRule: CollectionRules | undefined;

  constructor(
    name: string,
    collections: ReadonlyMap<string, CollectionRules>,
    defaultRule?: CollectionRules,
  ) {
    this.name = name;
    this.collections = collections;
    this.defaultRule = defaultRule;
  }

  /**
   * The collection's own rules when it has a `rules.json` (never mixed with the default rule),
   * else the default rule, else no role at all: everything is denied.
   */
  rulesFor(database: string, collection: string): CollectionRules {
    return (
      this.collections.get(`${database}.${collection}`) ??
      this.defaultRule ?? {
        source: `${this.name}/${database}/${collection} (no rules)`,
        roles: [],
        filters: [],
        guardedPaths: new Set(),
      }
    );
  }
}

/** Where App Services kept custom user data (`auth/custom_user_data.json`), for `%%user.custom_data`. */
export interface CustomUserDataSource {
  service?: string;
  database: string;
  collection: string;
  userIdField: string;
}

/** Every data source's rules, and the app's non-secret values, from an exported app. */
export interface AppRules {
  services: ReadonlyMap<string, ServiceRules>;
  /** `values/*.json` entries that are not secrets, by name. */
  values: Readonly<Record<string, unknown>>;
  /** From `auth/custom_user_data.json` when it is enabled. */
  customUserData?: CustomUserDataSource;
}

/** In-memory rules, mostly for tests: `{ "mongodb-atlas": { default: {...}, collections: { "db.coll": {...} } } }`. */
export function defineAppRules(
  services: Record<string, { default?: unknown; collections?: Record<string, unknown> }>,
  values: Record<string, unknown> = {},
): AppRules {
  const compiled = new Map<string, ServiceRules>();
  for (const [service, spec] of Object.entries(services)) {
    const collections = new Map<string, CollectionRules>();
    for (const [namespace, json] of Object.entries(spec.collections ?? {})) {
      collections.set(
        namespace,
        compileRulesFile(json, `${service}/${namespace.replace(".", "/")}/rules.json`),
      );
    }
    const defaultRule =
      spec.default === undefined ? undefined : compileRulesFile(spec.default, `${service}/default_rule.json`);
    compiled.set(service, new ServiceRules(service, collections, defaultRule));
  }
  return { services: compiled, values };
}

async function readJson(path: string, label: string): Promise<unknown> {
  const text = await readFile(path, "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RulesError(label, "", `not valid JSON (${(error as Error).message})`);
  }
}

async function directories(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}

const serviceConfigSchema = z.looseObject({ name: z.string().optional() });
const customUserDataSchema = z.looseObject({
  enabled: z.boolean().optional(),
  mongo_service_name: z.string().optional(),
  database_name: z.string().min(1),
  collection_name: z.string().min(1),
  user_id_field: z.string().min(1),
});

async function loadCustomUserData(appDirectory: string): Promise<CustomUserDataSource | undefined> {
  const label = "auth/custom_user_data.json";
  let json: unknown;
  try {
    json = await readJson(join(appDirectory, label), label);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (typeof json === "object" && json !== null && (json as { enabled?: unknown }).enabled === false)
    return undefined;
  const parsed = customUserDataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RulesError(label, (issue?.path ?? []).map(String).join("."), issue?.message ?? "invalid");
  }
  if (!parsed.data.enabled) return undefined;
  return {
    ...(parsed.data.mongo_service_name ? { service: parsed.data.mongo_service_name } : {}),
    database: parsed.data.database_name,
    collection: parsed.data.collection_name,
    userIdField: parsed.data.user_id_field,
  };
}
const valueFileSchema = z.looseObject({
  name: z.string(),
  value: z.unknown().optional(),
  from_secret: z.boolean().optional(),
});

/**
 * Loads the rules of an exported App Services app (`data_sources/<service>/default_rule.json` and
 * `data_sources/<service>/<db>/<coll>/rules.json`) and its non-secret `values/*.json`.
 * @example
 * const rules = await loadAppRules("./exported-app");
 */
export async function loadAppRules(appDirectory: string): Promise<AppRules> {
  const services = new Map<string, ServiceRules>();
  const sourcesDir = join(appDirectory, "data_sources");
  for (const serviceDir of await directories(sourcesDir)) {
    const base = join(sourcesDir, serviceDir);
    let name = serviceDir;
    try {
      const config = serviceConfigSchema.parse(
        await readJson(join(base, "config.json"), `data_sources/${serviceDir}/config.json`),
      );
      name = config.name ?? serviceDir;
    } catch (error) {
      if (error instanceof RulesError) throw error;
    }
    let defaultRule: CollectionRules | undefined;
    const defaultLabel = `data_sources/${serviceDir}/default_rule.json`;
    try {
      defaultRule = compileRulesFile(
        await readJson(join(base, "default_rule.json"), defaultLabel),
        defaultLabel,
      );
    } catch (error) {
      if (!(error instanceof Error && "code" in error && (error as NodeJS.ErrnoException).code === "ENOENT"))
        throw error;
    }
    const collections = new Map<string, CollectionRules>();
    for (const database of await directories(base)) {
      for (const collection of await directories(join(base, database))) {
        const label = `data_sources/${serviceDir}/${database}/${collection}/rules.json`;
        let json: unknown;
        try {
          json = await readJson(join(base, database, collection, "rules.json"), label);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
          throw error;
        }
        collections.set(`${database}.${collection}`, compileRulesFile(json, label));
      }
    }
    services.set(name, new ServiceRules(name, collections, defaultRule));
  }
  const values: Record<string, unknown> = {};
  const valuesDir = join(appDirectory, "values");
  let valueFiles: string[] = [];
  try {
    valueFiles = (await readdir(valuesDir)).filter((file) => file.endsWith(".json"));
  } catch {
    valueFiles = [];
  }
  for (const file of valueFiles) {
    const label = `values/${file}`;
    const parsed = valueFileSchema.safeParse(await readJson(join(valuesDir, file), label));
    if (!parsed.success) throw new RulesError(label, "name", "a value file needs a name");
    if (!parsed.data.from_secret) values[parsed.data.name] = parsed.data.value;
  }
  const customUserData = await loadCustomUserData(appDirectory);
  return customUserData ? { services, values, customUserData } : { services, values };
}
