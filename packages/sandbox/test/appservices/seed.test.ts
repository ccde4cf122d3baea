import { COGNITO_DEFAULT_PASSWORD_POLICY, passwordPolicyViolations } from "@realm-to-cognito/core";
import { describe, expect, it } from "vitest";
import { seededEmail, seededPassword, seededState } from "../../src/appservices/index.js";

describe("seeded users", () => {
  it("get passwords that pass Cognito's default policy, for any seed and index", () => {
    for (const seed of [0, 1, 7, 2 ** 31 - 1]) {
      for (let index = 1; index <= 2_000; index++) {
        expect(
          passwordPolicyViolations(seededPassword(seed, index), COGNITO_DEFAULT_PASSWORD_POLICY),
        ).toEqual([]);
      }
    }
  });

  it("get the same password for the same seed and index, and different ones otherwise", () => {
    expect(seededPassword(3, 42)).toBe(seededPassword(3, 42));
    const passwords = new Set(Array.from({ length: 1_000 }, (_, index) => seededPassword(3, index + 1)));
    expect(passwords.size).toBe(1_000);
    expect(seededPassword(4, 42)).not.toBe(seededPassword(3, 42));
  });

  it("are mostly active, with some never logged in, pending and disabled", () => {
    const counts: Record<string, number> = {};
    for (let index = 1; index <= 10_000; index++) {
      const state = seededState(5, index);
      counts[state] = (counts[state] ?? 0) + 1;
    }
    expect(counts.active).toBeGreaterThan(7_500);
    for (const state of ["never-logged-in", "pending", "disabled"])
      expect(counts[state]).toBeGreaterThan(300);
    expect(seededEmail(12)).toBe("user12@example.com");
  });
});
