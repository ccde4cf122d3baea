import { describe, expect, it } from "vitest";
import { formatSnapshotLine, parseSnapshotLine, type SnapshotLine } from "../src/index.js";

const line: SnapshotLine = {
  realmUserId: "65a1b2c3d4e5f60718293a4b",
  email: "ada@example.com",
  mongoId: "65a1b2c3d4e5f60718293a4c",
  confirmed: true,
  disabled: false,
  lastAuthenticatedAt: "2025-03-01T10:00:00.000Z",
  source: "admin-api",
};

describe("snapshot lines", () => {
  it("round-trips a user", () => {
    expect(parseSnapshotLine(formatSnapshotLine(line))).toEqual({ ok: true, user: line });
  });

  it("names the field that is wrong", () => {
    const bad = parseSnapshotLine(JSON.stringify({ ...line, realmUserId: "nope" }));
    expect(bad).toMatchObject({ ok: false, reason: expect.stringMatching(/^realmUserId:/) });
  });

  it("refuses lines that are not JSON or carry unknown fields", () => {
    expect(parseSnapshotLine("{oops")).toEqual({ ok: false, reason: "not valid JSON" });
    expect(parseSnapshotLine(JSON.stringify({ ...line, password: "x" }))).toMatchObject({ ok: false });
  });
});
