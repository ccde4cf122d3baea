import { describe, expect, it } from "vitest";
import { cleanEmail, emailKey, InvalidRecordError, isPlausibleEmail, sameEmail } from "../src/index.js";

describe("emails", () => {
  it("treats two emails that differ only in case and spaces as the same user", () => {
    expect(sameEmail(" Ada@Example.COM", "ada@example.com ")).toBe(true);
    expect(emailKey("  Ada@Example.COM ")).toBe("ada@example.com");
  });

  it("keeps the case Realm stored while trimming", () => {
    expect(cleanEmail(" Ada@Example.com ")).toBe("Ada@Example.com");
  });

  it.each([
    "",
    "   ",
    "no-at-sign",
    "two@@example.com",
    "a b@example.com",
    "a@nodot",
    `${"x".repeat(250)}@ex.com`,
  ])("refuses %j with a coded error", (raw) => {
    expect(() => cleanEmail(raw)).toThrow(InvalidRecordError);
    try {
      cleanEmail(raw);
    } catch (error) {
      expect((error as InvalidRecordError).code).toBe("INVALID_EMAIL");
      expect((error as InvalidRecordError).field).toBe("email");
    }
  });

  it("accepts ordinary addresses with plus and dots", () => {
    expect(isPlausibleEmail("first.last+tag@sub.example.co.uk")).toBe(true);
  });
});
