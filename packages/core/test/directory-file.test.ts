import { describe, expect, it } from "vitest";
import {
  compareDirectoryKeys,
  directoryLineKey,
  formatDirectoryLine,
  isDirectoryEligible,
  parseDirectoryEntry,
} from "../src/index.js";

describe("the directory file's lines", () => {
  it("orders keys by UTF-8 bytes, which differs from JavaScript's UTF-16 order past U+FFFF", () => {
    const bmp = "\uffff@x";
    const astral = "𝒜@x";
    expect(astral < bmp).toBe(true); // UTF-16: the surrogate D835 sorts before FFFF
    expect(compareDirectoryKeys(astral, bmp)).toBeGreaterThan(0); // UTF-8: F0 9D… after EF BF BF
    expect(compareDirectoryKeys("a@x", "a@x")).toBe(0);
    expect(compareDirectoryKeys("a@x", "a@xy")).toBeLessThan(0);
  });

  it("round-trips an entry, marks a shared email with null, and refuses a key with a tab", () => {
    const line = formatDirectoryLine("ada@example.com", {
      realmUserId: "64f65e24c2f20a0e2dff0001",
      email: "Ada@Example.com",
      mongoId: "6645b9c4a1e8443791110001",
    });
    expect(directoryLineKey(line)).toBe("ada@example.com");
    expect(parseDirectoryEntry(line)).toEqual({
      realmUserId: "64f65e24c2f20a0e2dff0001",
      email: "Ada@Example.com",
      mongoId: "6645b9c4a1e8443791110001",
    });
    expect(parseDirectoryEntry(formatDirectoryLine("bob@example.com", null))).toBeNull();
    expect(() => formatDirectoryLine("a\tb@example.com", null)).toThrow(TypeError);
    expect(() => parseDirectoryEntry('x@y\t{"email":"x@y"}')).toThrow(SyntaxError);
  });

  it("lets in only confirmed, enabled users with a Realm id", () => {
    const base = {
      email: "a@x.io",
      confirmed: true,
      disabled: false,
      realmUserId: "64f65e24c2f20a0e2dff0001",
    };
    expect(isDirectoryEligible(base)).toBe(true);
    expect(isDirectoryEligible({ ...base, confirmed: false })).toBe(false);
    expect(isDirectoryEligible({ ...base, disabled: true })).toBe(false);
    const { realmUserId: _, ...pending } = base;
    expect(isDirectoryEligible(pending)).toBe(false);
  });
});
