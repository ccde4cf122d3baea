import { isPlainObject } from "./expressions.js";

/**
 * A deep copy of a document that keeps BSON values (ObjectId, Long, Decimal128, Double, Binary...) as
 * they are: structuredClone turns them into plain objects, which then compare unequal to themselves.
 * BSON values, RegExps and buffers are immutable in practice and are shared, not copied.
 */
export function cloneDocument<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneDocument(item)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = cloneDocument(item);
    return copy as T;
  }
  return value;
}
