import { isObjectId } from "./ids.js";

/**
 * One document as `mongoexport` writes it by default (canonical Extended JSON v2, one line). The
 * emulator keeps `_id` as a 24-hex string; here it becomes `{"$oid": ...}` again.
 */
export function toCanonicalExtendedJson(document: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(canonical(document, undefined));
}

function canonical(value: unknown, key: string | undefined): unknown {
  if (key === "_id" && typeof value === "string" && isObjectId(value)) return { $oid: value };
  if (typeof value === "number") return canonicalNumber(value);
  if (value instanceof Date) return { $date: { $numberLong: String(value.getTime()) } };
  if (Array.isArray(value)) return value.map((item) => canonical(item, undefined));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([field, inner]) => [field, canonical(inner, field)]),
    );
  }
  return value;
}

function canonicalNumber(value: number): Record<string, string> {
  if (Number.isInteger(value) && !Object.is(value, -0)) {
    if (value >= -(2 ** 31) && value < 2 ** 31) return { $numberInt: String(value) };
    if (Number.isSafeInteger(value)) return { $numberLong: String(value) };
  }
  if (Number.isNaN(value)) return { $numberDouble: "NaN" };
  if (!Number.isFinite(value)) return { $numberDouble: value > 0 ? "Infinity" : "-Infinity" };
  if (Object.is(value, -0)) return { $numberDouble: "-0.0" };
  return { $numberDouble: Number.isInteger(value) ? `${value}.0` : String(value) };
}
