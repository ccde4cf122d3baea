import { z } from "zod";
import { sourcePositionSchema } from "./source-position.js";
import type { SourceUser, UserSource } from "./user.js";

/**
 * One line of a snapshot file (NDJSON): a normalised source user and where it came from. The CLI's
 * `export` writes these; `plan`, `import`, the trigger's ForgotPassword path and `forecast` read them.
 */
export const snapshotLineSchema = z
  .object({
    realmUserId: z
      .string()
      .regex(/^[0-9a-f]{24}$/, "a 24-hex Realm user id")
      .optional(),
    email: z.string().min(1),
    mongoId: z.string().min(1).optional(),
    confirmed: z.boolean(),
    disabled: z.boolean(),
    createdAt: z.string().datetime({ offset: true }).optional(),
    lastAuthenticatedAt: z.string().datetime({ offset: true }).optional(),
    extra: z.record(z.string(), z.string()).optional(),
    at: sourcePositionSchema.optional(),
    source: z.enum(["admin-api", "pending-registrations", "mongo-collection", "mongoexport", "flowerbase"]),
  })
  .strict();

export type SnapshotLine = SourceUser & { readonly source: UserSource };

/** Parses one snapshot line; the error message names the field that is wrong. */
export function parseSnapshotLine(
  line: string,
): { ok: true; user: SnapshotLine } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
  const parsed = snapshotLineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "(line)";
    return { ok: false, reason: `${where}: ${issue?.message ?? "invalid"}` };
  }
  return { ok: true, user: stripUndefined(parsed.data) };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Serialises a user as one snapshot line (no trailing newline). */
export function formatSnapshotLine(user: SnapshotLine): string {
  return JSON.stringify(user);
}
