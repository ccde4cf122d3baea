import { describe, expect, it } from "vitest";
import { duplicateVerdict, type LineIdentity } from "../src/plan-duplicates.js";

const at = (line: number) => ({ kind: "file" as const, file: "users.json", line });
const line = (n: number, overrides: Partial<LineIdentity> = {}): LineIdentity => ({
  line: n,
  at: at(n + 10),
  key: `64f65e24c2f20a0e2dff${String(n).padStart(4, "0")}`,
  mongoId: `id-${n}`,
  digest: `digest-${n}`,
  ...overrides,
});

describe("duplicates in a snapshot", () => {
  it("makes two documents sharing an _id a conflict on both lines, each naming the other's source line", () => {
    const a = line(1, { mongoId: "42" });
    const b = line(2, { mongoId: "42" });
    expect(duplicateVerdict(a, [a], [a, b])).toEqual({
      action: "conflict",
      reason: 'duplicate: _id "42" is also the _id of users.json line 12',
    });
    expect(duplicateVerdict(b, [b], [a, b])).toEqual({
      action: "conflict",
      reason: 'duplicate: _id "42" is also the _id of users.json line 11',
    });
  });

  it("makes one Realm user id on two documents a conflict on both", () => {
    const a = line(1, { key: "64f65e24c2f20a0e2dff0001" });
    const b = line(2, { key: "64f65e24c2f20a0e2dff0001" });
    expect(duplicateVerdict(b, [a, b], [b])).toEqual({
      action: "conflict",
      reason: "duplicate: Realm user id 64f65e24c2f20a0e2dff0001 is also on users.json line 11",
    });
    expect(duplicateVerdict(a, [a, b], [a])?.action).toBe("conflict");
  });

  it("imports the same document exported twice once: later lines are repeats of the first", () => {
    const a = line(1, { key: "k", mongoId: "m", digest: "same" });
    const b = line(2, { key: "k", mongoId: "m", digest: "same", at: at(40) });
    expect(duplicateVerdict(a, [a, b], [a, b])).toBeUndefined();
    expect(duplicateVerdict(b, [a, b], [a, b])).toEqual({
      action: "rejected",
      reason: "repeat: the same document as users.json line 11, exported twice",
    });
  });

  it("names the snapshot line of a user exported before positions existed", () => {
    const a = line(1, { mongoId: "x", at: undefined });
    const b = line(2, { mongoId: "x" });
    expect(duplicateVerdict(b, [b], [a, b])?.reason).toContain("snapshot line 1");
  });

  it("has nothing to say about a line alone", () => {
    const a = line(1);
    expect(duplicateVerdict(a, [a], [a])).toBeUndefined();
  });
});
