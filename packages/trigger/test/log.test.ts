import { describe, expect, it } from "vitest";
import { userRef } from "../src/log.js";
import { captureLog } from "./support.js";

describe("createLogger", () => {
  it("censors secret keys at the top level and one level down", () => {
    const { log, lines } = captureLog();
    log.info(
      { password: "Top-secret-1", request: { token: "t0k3n" }, nested: { authorization: "Bearer x" } },
      "m",
    );
    const text = JSON.stringify(lines());
    expect(text).not.toMatch(/Top-secret-1|t0k3n|Bearer x/);
    expect(lines()[0]).toMatchObject({
      password: "[redacted]",
      request: "[redacted]",
      nested: { authorization: "[redacted]" },
    });
  });

  it("logs errors by class, code and reason, dropping their cause", () => {
    const { log, lines } = captureLog();
    const error = Object.assign(new Error("refused", { cause: new Error("Hidden-pass-1") }), {
      code: "X",
      reason: "y",
    });
    log.error({ err: error }, "failed");
    expect(lines()[0]?.err).toEqual({ type: "Error", message: "refused", code: "X", reason: "y" });
  });
});

describe("userRef", () => {
  it("is stable, ignores case and spaces, and hides the email", () => {
    expect(userRef(" Ada@Example.com ")).toBe(userRef("ada@example.com"));
    expect(userRef("ada@example.com")).not.toBe(userRef("bob@example.com"));
    expect(userRef("ada@example.com")).toMatch(/^[0-9a-f]{14}$/);
  });
});
