// Hand-written guards instead of zod: the browser bundle stays small.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The string at `key`, or "" when the body has none. */
export function stringField(body: unknown, key: string): string {
  const value = isRecord(body) ? body[key] : undefined;
  return typeof value === "string" ? value : "";
}
