import { describe, expect, it } from "vitest";
import { createLogger, type LogFields, userRef } from "../src/log.js";
import { captureLog } from "./support.js";

/** Fields the types refuse, as a JavaScript caller or a cast could still pass them. */
const untyped = (fields: Record<string, unknown>) => fields as LogFields;

describe("createLogger", () => {
  it("writes pino's line shape: numeric level, epoch time, the fields, then msg", () => {
    const { log, text } = captureLog();
    const before = Date.now();
    log.info({ outcome: "migrated", ms: 1.5, user: userRef("ada@example.com") }, "user migrated");
    const line = JSON.parse(text()) as Record<string, unknown>;
    expect(text().endsWith("}\n")).toBe(true);
    expect(Object.keys(line)).toEqual(["level", "time", "outcome", "ms", "user", "msg"]);
    expect(line).toMatchObject({ level: 30, outcome: "migrated", ms: 1.5, msg: "user migrated" });
    expect(line.time).toBeGreaterThanOrEqual(before);
    expect(line.time).toBeLessThanOrEqual(Date.now());
  });

  it("drops lines below its level and numbers levels as pino does", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "warn", destination: { write: (line) => void lines.push(line) } });
    log.trace({}, "resync answered");
    log.debug({}, "resync answered");
    log.info({}, "resync answered");
    log.warn({}, "resync answered");
    log.error({}, "resync answered");
    log.fatal({}, "resync answered");
    expect(lines.map((line) => JSON.parse(line).level)).toEqual([40, 50, 60]);
  });

  it("writes nothing at level silent", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "silent", destination: { write: (line) => void lines.push(line) } });
    log.fatal({ outcome: "failed" }, "reset notice failed");
    expect(lines).toEqual([]);
  });

  it("refuses free-form fields at compile time", () => {
    const { log, text } = captureLog();
    // @ts-expect-error a password is no log field
    log.info({ password: "Typed-secret-1" }, "user migrated");
    // @ts-expect-error only userRef's pseudonym fits `user`, never the email itself
    log.info({ user: "ada@example.com" }, "user migrated");
    // @ts-expect-error messages are fixed strings, never built from input
    log.info({}, "login of ada@example.com");
    expect(text()).not.toContain("Typed-secret-1");
  });

  it("censors secret keys at any depth, whatever the types were told", () => {
    const { log, lines } = captureLog();
    log.info(
      untyped({
        password: "Top-secret-1",
        request: { token: "t0k3n" },
        nested: { authorization: "Bearer x", deeper: { list: [{ refreshToken: "r3fr3sh" }] } },
        headers: { cookie: "c00kie" },
        event: { userName: "ada@example.com" },
        Authorization: "Bearer y",
        newPassword: "N3w-secret",
        apiKey: "k3y",
        clientSecret: "s3cr3t",
        body: '{"password":"In-body-1"}',
      }),
      "user migrated",
    );
    const text = JSON.stringify(lines());
    expect(text).not.toMatch(
      /Top-secret-1|t0k3n|Bearer x|Bearer y|r3fr3sh|c00kie|ada@example|N3w-secret|k3y|s3cr3t|In-body-1/,
    );
    expect(lines()[0]).toMatchObject({
      password: "[redacted]",
      request: "[redacted]",
      nested: { authorization: "[redacted]", deeper: { list: [{ refreshToken: "[redacted]" }] } },
      headers: "[redacted]",
      event: "[redacted]",
      Authorization: "[redacted]",
      body: "[redacted]",
    });
  });

  it("survives cycles and odd values without throwing", () => {
    const { log, lines } = captureLog();
    const cycle: Record<string, unknown> = { name: "loop" };
    cycle.self = cycle;
    log.info(untyped({ cycle, big: 1n, fn: () => 1 }), "user migrated");
    expect(lines()[0]?.msg).toBe("user migrated");
    expect(JSON.stringify(lines()[0])).toContain("[too deep]");
  });

  it("logs errors by class, code and reason, dropping their cause", () => {
    const { log, lines } = captureLog();
    const error = Object.assign(new Error("refused", { cause: new Error("Hidden-pass-1") }), {
      code: "X",
      reason: "y",
    });
    log.error({ err: error }, "migration refused");
    expect(lines()[0]?.err).toEqual({ type: "Error", message: "refused", code: "X", reason: "y" });
  });

  it("refuses to print a string that contains the invocation's password", () => {
    const { log, lines } = captureLog();
    const password = "Invocation-pass-42";
    const guarded = log.withSecrets([password, undefined]);
    guarded.info(
      untyped({
        stray: password,
        note: `tried ${password} twice`,
        err: new Error(`Realm said ${password}`),
      }),
      "user migrated",
    );
    guarded.info({ outcome: "migrated" }, `user ${password}` as "user migrated");
    const text = JSON.stringify(lines());
    expect(text).not.toContain(password);
    expect(lines()[0]).toMatchObject({ stray: "[redacted]", note: "[redacted]" });
    expect(lines()[0]?.err).toMatchObject({ message: "[redacted]" });
    expect(lines()[1]).toMatchObject({ outcome: "migrated", msg: "[redacted]" });
  });

  it("gives each invocation its own guarded logger, leaving the shared one as it was", () => {
    const { log, lines } = captureLog();
    log.withSecrets(["First-pass-1"]);
    log.info(untyped({ note: "First-pass-1" }), "user migrated");
    expect(lines()[0]?.note).toBe("First-pass-1");
  });
});

describe("userRef", () => {
  it("is stable, ignores case and spaces, and hides the email", () => {
    expect(userRef(" Ada@Example.com ")).toBe(userRef("ada@example.com"));
    expect(userRef("ada@example.com")).not.toBe(userRef("bob@example.com"));
    expect(userRef("ada@example.com")).toMatch(/^[0-9a-f]{14}$/);
  });
});
