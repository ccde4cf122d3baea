import { describe, expect, it } from "vitest";
import { COGNITO_DEFAULT_PASSWORD_POLICY, passwordPolicyViolations } from "../src/index.js";

describe("password policy", () => {
  it("passes a password that meets Cognito's default policy", () => {
    expect(passwordPolicyViolations("Correct-Horse-1", COGNITO_DEFAULT_PASSWORD_POLICY)).toEqual([]);
  });

  it("lists every rule a weak Realm password breaks", () => {
    expect(passwordPolicyViolations("abc", COGNITO_DEFAULT_PASSWORD_POLICY)).toEqual([
      "shorter than 8",
      "no uppercase letter",
      "no number",
      "no symbol",
    ]);
  });

  it("honours a relaxed policy", () => {
    const relaxed = {
      ...COGNITO_DEFAULT_PASSWORD_POLICY,
      minimumLength: 6,
      requireSymbols: false,
      requireUppercase: false,
    };
    expect(passwordPolicyViolations("abc123", relaxed)).toEqual([]);
  });
});
