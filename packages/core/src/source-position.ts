import { z } from "zod";

/**
 * Where a user (or a reject) came from in what the operator gave the toolkit: a line of their file, a
 * page and index of the Admin API listing, or a document's place in a collection read in `_id` order.
 * Every reject carries one, so a person can find the row in the source, never in an intermediate file.
 */
export type SourcePosition =
  | { readonly kind: "file"; readonly file: string; readonly line: number }
  | {
      readonly kind: "admin-api";
      readonly list: "users" | "pending";
      readonly page: number;
      readonly index: number;
    }
  | { readonly kind: "collection"; readonly collection: string; readonly index: number };

export const sourcePositionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("file"), file: z.string().min(1), line: z.number().int().positive() }).strict(),
  z
    .object({
      kind: z.literal("admin-api"),
      list: z.enum(["users", "pending"]),
      page: z.number().int().positive(),
      index: z.number().int().positive(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("collection"),
      collection: z.string().min(1),
      index: z.number().int().positive(),
    })
    .strict(),
]);

/**
 * The position as a person reads it.
 * @example formatSourcePosition({ kind: "file", file: "users.json", line: 12 }) // "users.json line 12"
 */
export function formatSourcePosition(position: SourcePosition): string {
  switch (position.kind) {
    case "file":
      return `${position.file} line ${position.line}`;
    case "admin-api":
      return `Admin API ${position.list === "users" ? "users" : "pending users"} page ${position.page} item ${position.index}`;
    case "collection":
      return `${position.collection} document ${position.index} in _id order`;
  }
}

/** The Admin API pages by 50 (users) and by 50 (pending users): item `n` overall is on page ⌈n/50⌉. */
export const ADMIN_API_PAGE_SIZE = 50;

export function adminApiPosition(list: "users" | "pending", ordinal: number): SourcePosition {
  return {
    kind: "admin-api",
    list,
    page: Math.ceil(ordinal / ADMIN_API_PAGE_SIZE),
    index: ((ordinal - 1) % ADMIN_API_PAGE_SIZE) + 1,
  };
}
