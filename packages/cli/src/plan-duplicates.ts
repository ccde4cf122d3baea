import { formatSourcePosition, type SourcePosition } from "@realm-to-cognito/core";

/** A snapshot line as duplicate detection sees it. */
export interface LineIdentity {
  /** Line of the snapshot (the plan's own order). */
  readonly line: number;
  /** Where the user came from in the operator's source; absent in snapshots written before positions. */
  readonly at?: SourcePosition;
  /** The ledger key (Realm user id, or `pending:<email>`). */
  readonly key: string;
  readonly mongoId?: string;
  /** A digest of the user as exported (without its position): equal digests are the same document. */
  readonly digest: string;
}

export type DuplicateVerdict =
  | { readonly action: "conflict"; readonly reason: string }
  | { readonly action: "rejected"; readonly reason: string };

/** Where a line is, for a reason: its source position, else its snapshot line. */
export function whereIs(line: Pick<LineIdentity, "line" | "at">): string {
  return line.at ? formatSourcePosition(line.at) : `snapshot line ${line.line}`;
}

/**
 * What becomes of `self` given the other lines sharing its ledger key or its `_id`. The same document
 * exported twice is one user: the first line goes on, each later one is rejected as a repeat of it.
 * Two different documents sharing an `_id` or a Realm user id are a conflict on every line involved,
 * each naming the others' source lines: nothing tells which one is the user, so neither is imported.
 */
export function duplicateVerdict(
  self: LineIdentity,
  sameKey: readonly LineIdentity[],
  sameMongoId: readonly LineIdentity[],
): DuplicateVerdict | undefined {
  const others = new Map<number, LineIdentity>();
  for (const other of [...sameKey, ...sameMongoId])
    if (other.line !== self.line) others.set(other.line, other);
  if (others.size === 0) return undefined;
  const all = [...others.values()].sort((a, b) => a.line - b.line);
  const differing = all.filter((other) => other.digest !== self.digest);
  if (differing.length === 0) {
    const first = all[0]!;
    if (first.line > self.line) return undefined;
    return { action: "rejected", reason: `repeat: the same document as ${whereIs(first)}, exported twice` };
  }
  const parts: string[] = [];
  const keyClash = differing.filter((other) => other.key === self.key);
  const idClash = differing.filter((other) => self.mongoId !== undefined && other.mongoId === self.mongoId);
  if (idClash.length > 0)
    parts.push(`_id "${self.mongoId}" is also the _id of ${idClash.map(whereIs).join(", ")}`);
  if (keyClash.length > 0)
    parts.push(
      `${self.key.startsWith("pending:") ? "pending email" : "Realm user id"} ${self.key.replace(/^pending:/, "")} is also on ${keyClash.map(whereIs).join(", ")}`,
    );
  return { action: "conflict", reason: `duplicate: ${parts.join("; ")}` };
}
