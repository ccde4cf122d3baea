import { refused } from "./errors.js";
import { type Filter, FORBIDDEN_KEYS } from "./expressions.js";
import { checkFilter, isPlainObject } from "./operation-checks.js";

/** Stages that only transform the documents already in the pipeline. */
const PASS_THROUGH_STAGES = new Set([
  "$match",
  "$project",
  "$addFields",
  "$set",
  "$unset",
  "$sort",
  "$limit",
  "$skip",
  "$group",
  "$count",
  "$unwind",
  "$replaceRoot",
  "$replaceWith",
  "$sortByCount",
  "$bucket",
  "$bucketAuto",
  "$sample",
  "$redact",
  "$setWindowFields",
  "$densify",
  "$fill",
]);

/** Operators that run code or write elsewhere, refused wherever they appear. */
const FORBIDDEN_OPERATORS = new Set(["$function", "$accumulator", "$where", "$out", "$merge"]);

/** How a pipeline reaches the rules of the collections it reads. */
export interface PipelineRules {
  /** Stages that narrow `collection` to what the user may read (throws when that is not expressible). */
  readStages(collection: string): Filter[];
  /** A `$match` alone, when the user reads whole documents of `collection`; else undefined. */
  wholeDocumentMatch(collection: string): Filter | undefined;
}

function scan(value: unknown, where: string): void {
  if (Array.isArray(value)) {
    for (const item of value) scan(item, where);
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (typeof value === "function") throw refused(`a function in ${where}`);
  for (const [key, item] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw refused(`the key "${key}" in ${where}`);
    if (FORBIDDEN_OPERATORS.has(key)) throw refused(`${key} in ${where}`);
    scan(item, where);
  }
}

function collectionName(value: unknown, stage: string): string {
  if (
    typeof value !== "string" ||
    value === "" ||
    value.toLowerCase().startsWith("system.") ||
    value.includes("$") ||
    value.includes("\0")
  ) {
    throw refused(`${stage} with an invalid collection name`);
  }
  return value;
}

function subPipeline(value: unknown, stage: string): Filter[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw refused(`${stage} with a pipeline that is not an array`);
  return value as Filter[];
}

function lookup(spec: unknown, rules: PipelineRules): Filter {
  if (!isPlainObject(spec)) throw refused("$lookup without a specification");
  const allowed = new Set(["from", "localField", "foreignField", "as", "let", "pipeline"]);
  for (const key of Object.keys(spec)) if (!allowed.has(key)) throw refused(`the $lookup option "${key}"`);
  const from = collectionName(spec.from, "$lookup");
  const byField = spec.localField !== undefined || spec.foreignField !== undefined;
  if (byField && !rules.wholeDocumentMatch(from)) {
    throw refused(`$lookup by foreignField into ${from}, whose fields the user may not all read`);
  }
  const inner = guardPipeline(subPipeline(spec.pipeline, "$lookup"), rules);
  return { $lookup: { ...spec, from, pipeline: [...rules.readStages(from), ...inner] } };
}

function graphLookup(spec: unknown, rules: PipelineRules): Filter {
  if (!isPlainObject(spec)) throw refused("$graphLookup without a specification");
  const from = collectionName(spec.from, "$graphLookup");
  const match = rules.wholeDocumentMatch(from);
  if (!match) throw refused(`$graphLookup into ${from}, whose fields the user may not all read`);
  const restrict = spec.restrictSearchWithMatch;
  if (restrict !== undefined) checkFilter(restrict, "$graphLookup.restrictSearchWithMatch");
  const combined = restrict === undefined ? match : { $and: [restrict, match] };
  return { $graphLookup: { ...spec, from, restrictSearchWithMatch: combined } };
}

function unionWith(spec: unknown, rules: PipelineRules): Filter {
  const normalised = typeof spec === "string" ? { coll: spec } : spec;
  if (!isPlainObject(normalised)) throw refused("$unionWith without a specification");
  for (const key of Object.keys(normalised))
    if (key !== "coll" && key !== "pipeline") throw refused(`the $unionWith option "${key}"`);
  const coll = collectionName(normalised.coll, "$unionWith");
  const inner = guardPipeline(subPipeline(normalised.pipeline, "$unionWith"), rules);
  return { $unionWith: { coll, pipeline: [...rules.readStages(coll), ...inner] } };
}

function facet(spec: unknown, rules: PipelineRules): Filter {
  if (!isPlainObject(spec)) throw refused("$facet without a specification");
  const facets: Record<string, Filter[]> = {};
  for (const [name, pipeline] of Object.entries(spec))
    facets[name] = guardPipeline(subPipeline(pipeline, "$facet"), rules);
  return { $facet: facets };
}

/**
 * Checks a pipeline stage by stage and rewrites every stage that reads another collection so that
 * it first passes through that collection's read stages. Stages not listed are refused.
 */
export function guardPipeline(pipeline: unknown, rules: PipelineRules): Filter[] {
  if (!Array.isArray(pipeline)) throw refused("a pipeline that is not an array");
  scan(pipeline, "the pipeline");
  return pipeline.map((stage, index) => {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1)
      throw refused(`pipeline stage ${index}: one operator per stage`);
    const [name, spec] = Object.entries(stage)[0]!;
    if (name === "$lookup") return lookup(spec, rules);
    if (name === "$graphLookup") return graphLookup(spec, rules);
    if (name === "$unionWith") return unionWith(spec, rules);
    if (name === "$facet") return facet(spec, rules);
    if (PASS_THROUGH_STAGES.has(name)) return stage;
    throw refused(`the pipeline stage "${name}"`);
  });
}
