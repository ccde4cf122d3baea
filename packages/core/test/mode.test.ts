import { describe, expect, it } from "vitest";
import { isMigrationMode, MigrationError, parseMigrationMode, routeFor } from "../src/index.js";

describe("the decision table", () => {
  it("lets Realm decide sign-in in phase 1 and follows with a Cognito shadow sign-in and drift healing", () => {
    expect(routeFor("realm-primary", "signIn")).toEqual({
      decides: "realm",
      followUps: ["shadowSignInToCognito", "resyncPasswordOnDrift"],
    });
  });

  it("keeps sign-up and reset confirmation away from Cognito in phase 1", () => {
    for (const action of ["signUp", "confirmSignUp", "confirmPasswordReset"] as const) {
      expect(routeFor("realm-primary", action)).toEqual({ decides: "realm", followUps: [] });
    }
  });

  it("deletes the migrated Cognito user when a reset is requested in phase 1", () => {
    expect(routeFor("realm-primary", "requestPasswordReset").followUps).toEqual([
      "deleteMigratedCognitoUser",
    ]);
  });

  it("sends every action to Cognito alone in phase 2", () => {
    for (const action of [
      "signUp",
      "confirmSignUp",
      "signIn",
      "requestPasswordReset",
      "confirmPasswordReset",
    ] as const) {
      expect(routeFor("cognito-primary", action).decides).toBe("cognito");
    }
    expect(routeFor("cognito-primary", "signIn").followUps).toEqual(["leadIntoResetWhenRequired"]);
  });

  it("parses known modes and names the valid ones for an unknown mode", () => {
    expect(isMigrationMode("cognito-primary")).toBe(true);
    expect(isMigrationMode("phase-3")).toBe(false);
    expect(() => parseMigrationMode("phase-3")).toThrow(/realm-primary, cognito-primary/);
    expect(() => parseMigrationMode("phase-3")).toThrow(MigrationError);
  });
});
