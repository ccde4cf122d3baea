import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../src/errors.js";
import { createPostConfirmationHandler } from "../src/password-set-in-cognito.js";
import { captureLog, MemoryPool } from "./support.js";

const POOL_ID = "eu-west-1_AbCdEfGhI";

/** The event as real Cognito documents it (version 1) or as cognito-local 5.3 sends it (version 0). */
function postConfirmationEvent(
  triggerSource: string,
  userName: string,
  userAttributes: Record<string, string>,
  shape: "cognito" | "cognito-local" = "cognito",
): Record<string, unknown> {
  return shape === "cognito"
    ? {
        version: "1",
        region: "eu-west-1",
        userPoolId: POOL_ID,
        userName,
        callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: "1example23456789" },
        triggerSource,
        request: { userAttributes, clientMetadata: null },
        response: {},
      }
    : {
        version: "0",
        callerContext: { awsSdkVersion: "2.1693.0", clientId: "9w68uzzka9aq7wu5syrudgqnv" },
        region: "local",
        userPoolId: POOL_ID,
        triggerSource,
        userName,
        request: { userAttributes: { ...userAttributes, "cognito:user_status": "CONFIRMED" } },
        response: {},
      };
}

function setup() {
  const pool = new MemoryPool();
  const logs = captureLog();
  const asked: string[] = [];
  const handler = createPostConfirmationHandler({
    poolFor(userPoolId) {
      asked.push(userPoolId);
      return pool;
    },
    deadlineMs: 1_000,
    log: logs.log,
  });
  const add = (state: string | undefined) => {
    pool.add(
      "ada@example.com",
      {
        "custom:realm_user_id": "r1",
        ...(state === undefined ? {} : { "custom:migration_state": state }),
      },
      "Set-in-cognito-1!",
    );
    const user = pool.user("ada@example.com");
    if (!user) throw new Error("not added");
    return user;
  };
  return { pool, logs, asked, handler, add };
}

describe("the Post Confirmation trigger", () => {
  for (const state of ["realm-password", "stale"])
    for (const shape of ["cognito", "cognito-local"] as const)
      it(`marks a ${state} user cognito-password after ConfirmForgotPassword (${shape} event)`, async () => {
        const { pool, asked, handler, add } = setup();
        const user = add(state);
        const event = postConfirmationEvent(
          "PostConfirmation_ConfirmForgotPassword",
          user.username,
          user.attributes,
          shape,
        );
        expect(await handler(event)).toBe(event);
        expect(pool.user("ada@example.com")?.attributes["custom:migration_state"]).toBe("cognito-password");
        expect(asked).toEqual([POOL_ID]);
      });

  for (const state of ["imported", "cognito-password", undefined])
    it(`leaves a ${state ?? "unmarked"} user as it is`, async () => {
      const { pool, handler, add } = setup();
      const user = add(state);
      await handler(
        postConfirmationEvent("PostConfirmation_ConfirmForgotPassword", user.username, user.attributes),
      );
      expect(pool.calls).toEqual([]);
      expect(pool.user("ada@example.com")?.attributes["custom:migration_state"]).toBe(state);
    });

  it("does nothing on ConfirmSignUp", async () => {
    const { pool, handler, add } = setup();
    const user = add("realm-password");
    const event = postConfirmationEvent("PostConfirmation_ConfirmSignUp", user.username, user.attributes);
    expect(await handler(event)).toBe(event);
    expect(pool.calls).toEqual([]);
  });

  it("rejects an event of another trigger or shape, naming the field, touching no one", async () => {
    const { pool, handler, add } = setup();
    const user = add("realm-password");
    const good = postConfirmationEvent(
      "PostConfirmation_ConfirmForgotPassword",
      user.username,
      user.attributes,
    );
    for (const bad of [
      { ...good, triggerSource: "UserMigration_Authentication" },
      { ...good, userPoolId: "" },
      { ...good, request: {} },
      { ...good, request: { userAttributes: { "custom:migration_state": 7 } } },
      null,
      "event",
    ])
      await expect(handler(bad)).rejects.toThrow(InvalidEventError);
    expect(pool.calls).toEqual([]);
  });

  it("tries twice, then fails the confirmation loudly rather than leave a user re-sync may overwrite", async () => {
    const { pool, logs, handler, add } = setup();
    const user = add("realm-password");
    pool.failWith = new Error("Cognito unavailable");
    await expect(
      handler(
        postConfirmationEvent("PostConfirmation_ConfirmForgotPassword", user.username, user.attributes),
      ),
    ).rejects.toThrow("Cognito unavailable");
    expect(pool.calls).toEqual(["setMigrationState", "setMigrationState"]);
    expect(logs.lines().some((line) => line.msg === "post confirmation failed" && line.level === 50)).toBe(
      true,
    );
  });

  it("gives up at its deadline, below Cognito's 5 s", async () => {
    const { pool, handler, add } = setup();
    const user = add("realm-password");
    pool.delayMs = 5_000;
    const started = performance.now();
    await expect(
      handler(
        postConfirmationEvent("PostConfirmation_ConfirmForgotPassword", user.username, user.attributes),
      ),
    ).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
