import type { SourceUser } from "./user.js";

/** A source user's state as the migration treats it. */
export type AccountStatus = "confirmed" | "pending" | "disabled";

/** The state of a user: disabled wins, then confirmed; anything not confirmed is pending. */
export function accountStatus(user: Pick<SourceUser, "confirmed" | "disabled">): AccountStatus {
  if (user.disabled) return "disabled";
  return user.confirmed ? "confirmed" : "pending";
}

/**
 * The `email_verified` value every output (AdminCreateUser, CSV row, snapshot-derived attributes) gives
 * a user: "true" only when the source confirmed the email; a pending user is "false" everywhere.
 */
export function emailVerifiedValue(user: Pick<SourceUser, "confirmed">): "true" | "false" {
  return user.confirmed ? "true" : "false";
}

/**
 * How a collection of user documents says a user's state. Nothing is assumed: without a status or a
 * verified field, a document's user is pending (never confirmed), because a user document proves
 * neither a confirmed email nor an enabled account.
 */
export interface StatusFieldMapping {
  /** Field holding a status word (dotted path), e.g. "status". */
  readonly statusField?: string;
  /** Which words of `statusField` mean what (compared case-insensitively). */
  readonly statusValues?: {
    readonly confirmed?: readonly string[];
    readonly pending?: readonly string[];
    readonly disabled?: readonly string[];
  };
  /** Field holding a boolean "email verified" (dotted path), used when there is no status field. */
  readonly verifiedField?: string;
  /** Field holding a boolean "disabled" (dotted path), on top of either of the above. */
  readonly disabledField?: string;
  /**
   * The operator's statement that every document belongs to a confirmed user (say, documents a login
   * trigger creates), for a collection with no status or verified field. A named opt-in: never a default.
   */
  readonly everyDocumentConfirmed?: boolean;
}

export const DEFAULT_STATUS_VALUES = {
  confirmed: ["confirmed"],
  pending: ["pending"],
  disabled: ["disabled"],
} as const;

export type StatusResult =
  | { readonly ok: true; readonly confirmed: boolean; readonly disabled: boolean; readonly known: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * The state of one document under `mapping`. An unknown status word, or a verified/disabled field that
 * is not a boolean, is a reject with a reason (the operator extends the mapping); a missing verified
 * field is "not verified"; `known: false` says no field was configured at all.
 * @example statusFromDocument({ status: "confirmed" }, { statusField: "status" }) // confirmed
 */
export function statusFromDocument(
  doc: Readonly<Record<string, unknown>>,
  mapping: StatusFieldMapping,
  read: (doc: Readonly<Record<string, unknown>>, path: string) => unknown = readDottedPath,
): StatusResult {
  let disabled = false;
  if (mapping.disabledField !== undefined) {
    const flag = booleanOf(read(doc, mapping.disabledField));
    if (flag === "invalid") return { ok: false, reason: `${mapping.disabledField}: not a boolean` };
    disabled = flag === true;
  }
  if (mapping.statusField !== undefined) {
    const raw = read(doc, mapping.statusField);
    if (raw === undefined || raw === null || raw === "")
      return { ok: false, reason: `${mapping.statusField}: missing` };
    const word = String(raw).trim().toLowerCase();
    const values = { ...DEFAULT_STATUS_VALUES, ...mapping.statusValues };
    const has = (list: readonly string[]) => list.some((value) => value.toLowerCase() === word);
    if (has(values.disabled)) return { ok: true, confirmed: true, disabled: true, known: true };
    if (has(values.confirmed)) return { ok: true, confirmed: true, disabled, known: true };
    if (has(values.pending)) return { ok: true, confirmed: false, disabled, known: true };
    return {
      ok: false,
      reason: `${mapping.statusField}: "${String(raw).slice(0, 40)}" is none of the configured confirmed, pending or disabled values`,
    };
  }
  if (mapping.verifiedField !== undefined) {
    const verified = booleanOf(read(doc, mapping.verifiedField));
    if (verified === "invalid") return { ok: false, reason: `${mapping.verifiedField}: not a boolean` };
    return { ok: true, confirmed: verified === true, disabled, known: true };
  }
  if (mapping.everyDocumentConfirmed === true) return { ok: true, confirmed: true, disabled, known: true };
  return { ok: true, confirmed: false, disabled, known: mapping.disabledField !== undefined };
}

function booleanOf(value: unknown): boolean | undefined | "invalid" {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === 1) return true;
  if (value === "false" || value === 0) return false;
  return "invalid";
}

/** Reads a dotted path (`profile.email`) of a plain document. */
export function readDottedPath(doc: Readonly<Record<string, unknown>>, path: string): unknown {
  let node: unknown = doc;
  for (const key of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
