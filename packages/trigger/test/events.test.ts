import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { BadRequestError, InvalidEventError } from "../src/errors.js";
import { parseHttpEvent, parseUserMigrationEvent, readJsonBody } from "../src/events.js";
import { cognitoEvent, cognitoLocalEvent, httpEvent } from "./support.js";

describe("parseUserMigrationEvent", () => {
  it("accepts real Cognito's sign-in event with null maps and an empty response", () => {
    const event = parseUserMigrationEvent(cognitoEvent({ password: "Secret-pass-1" }));
    expect(event.triggerSource).toBe("UserMigration_Authentication");
  });

  it("accepts cognito-local's event (version 0, region local, no metadata, partial response)", () => {
    const event = parseUserMigrationEvent(cognitoLocalEvent("a@example.com", "Secret-pass-1"));
    expect(event.userName).toBe("a@example.com");
  });

  it("accepts cognito-local's AdminInitiateAuth event with empty metadata maps", () => {
    const event = cognitoLocalEvent("a@example.com", "Secret-pass-1");
    event.request = { clientMetadata: {}, password: "Secret-pass-1", validationData: {} };
    expect(parseUserMigrationEvent(event).triggerSource).toBe("UserMigration_Authentication");
  });

  it("accepts the forgot-password event, which has no password (absent or null)", () => {
    const event = cognitoEvent({ triggerSource: "UserMigration_ForgotPassword" });
    expect(parseUserMigrationEvent(event).triggerSource).toBe("UserMigration_ForgotPassword");
    (event.request as Record<string, unknown>).password = null;
    expect(parseUserMigrationEvent(event).triggerSource).toBe("UserMigration_ForgotPassword");
  });

  it.each([
    [
      "a sign-in without a password",
      () => {
        const event = cognitoEvent();
        delete (event.request as Record<string, unknown>).password;
        return event;
      },
    ],
    [
      "a forgot-password event with a password",
      () => {
        const event = cognitoEvent({ triggerSource: "UserMigration_ForgotPassword" });
        (event.request as Record<string, unknown>).password = "Secret-pass-1";
        return event;
      },
    ],
    [
      "another trigger",
      () => ({ ...cognitoEvent({ password: "Secret-pass-1" }), triggerSource: "PreSignUp_SignUp" }),
    ],
    ["an empty userName", () => cognitoEvent({ userName: "", password: "Secret-pass-1" })],
    [
      "clientMetadata that is not a map",
      () => {
        const event = cognitoEvent({ password: "Secret-pass-1" });
        (event.request as Record<string, unknown>).clientMetadata = ["Secret-pass-1"];
        return event;
      },
    ],
    ["no object at all", () => "Secret-pass-1"],
    ["null", () => null],
  ])("refuses %s without quoting the password", (_name, build) => {
    let thrown: unknown;
    try {
      parseUserMigrationEvent(build());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEventError);
    expect((thrown as Error).message).not.toContain("Secret-pass-1");
  });

  it("names triggerSource when the event is from another trigger", () => {
    const event = { ...cognitoEvent({ password: "Secret-pass-1" }), triggerSource: "PreSignUp_SignUp" };
    expect(() => parseUserMigrationEvent(event)).toThrow(
      /triggerSource: expected UserMigration_Authentication/,
    );
  });
});

describe("readJsonBody", () => {
  const schema = z.strictObject({ email: z.string() });
  const read = (event: Record<string, unknown>) => readJsonBody(parseHttpEvent(event), schema);
  const badRequest = (event: Record<string, unknown>) => {
    try {
      read(event);
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestError);
      return (error as Error).message;
    }
    throw new Error("accepted");
  };

  it("reads a JSON body, plain or base64-encoded", () => {
    expect(read(httpEvent({ email: "a@b.co" }))).toEqual({ email: "a@b.co" });
    expect(read(httpEvent({ email: "a@b.co" }, { base64: true }))).toEqual({ email: "a@b.co" });
  });

  it.each([
    ["not JSON", httpEvent(null, { raw: "email=a@b.co" }), "not valid JSON"],
    ["empty", httpEvent(null, { raw: "" }), "empty"],
    ["an array", httpEvent([1]), "JSON object"],
    ["missing a field", httpEvent({}), "email"],
    ["a wrong type", httpEvent({ email: 5 }), "email"],
    ["an extra field", httpEvent({ email: "a@b.co", admin: true }), "admin"],
    ["over 4 kB", httpEvent({ email: "a".repeat(5000) }), "4096 bytes"],
    ["not a POST", httpEvent({ email: "a@b.co" }, { method: "GET" }), "POST"],
  ])("refuses a body that is %s with a clear message", (_name, event, hint) => {
    expect(badRequest(event)).toContain(hint);
  });
});
