import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { SnapshotLine } from "@realm-to-cognito/core";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { listPoolUsers } from "../src/cognito/pool.js";
import { importWithAdminCreate } from "../src/engines/admin-create.js";
import type { ImportLedger } from "../src/ledger/index.js";
import { isRetryableCognitoError, TokenBucket } from "../src/rate.js";
import { plannedLedger, sourceUser, tempDir } from "./helpers.js";

const cognito = mockClient(CognitoIdentityProviderClient);
const client = new CognitoIdentityProviderClient({ region: "us-east-1" });
const dir = tempDir("r2c-calls-");
afterEach(() => cognito.reset());

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

const ledgerWith = (users: SnapshotLine[]) => plannedLedger(dir, users);

function engine(ledger: ImportLedger, overrides: { rate?: number } = {}) {
  return importWithAdminCreate({
    client,
    ledger,
    userPoolId: "pool",
    username: "email",
    createBucket: new TokenBucket(overrides.rate ?? 1000),
    setPasswordBucket: new TokenBucket(1000),
    concurrency: 4,
    maxAttempts: 4,
  });
}

describe("ListUsers pagination (cognito-local ignores Limit and PaginationToken)", () => {
  it("follows PaginationToken to the last page, 60 at a time, paced by the bucket", async () => {
    const page = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        Username: `u${from + i}`,
        Attributes: [{ Name: "email", Value: `u${from + i}@example.com` }],
        Enabled: true,
      }));
    cognito
      .on(ListUsersCommand)
      .resolvesOnce({ Users: page(0, 60), PaginationToken: "t1" })
      .resolvesOnce({ Users: page(60, 60), PaginationToken: "t2" })
      .resolvesOnce({ Users: page(120, 7) });
    const started = performance.now();
    const users = [];
    for await (const batch of listPoolUsers(client, "pool", new TokenBucket(20, { burst: 1 })))
      users.push(...batch);
    const elapsed = performance.now() - started;
    expect(users).toHaveLength(127);
    expect(new Set(users.map((u) => u.username)).size).toBe(127);
    const calls = cognito.commandCalls(ListUsersCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.PaginationToken)).toEqual([undefined, "t1", "t2"]);
    expect(calls.every((input) => input.Limit === 60)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(90); // 3 calls at 20/s: at least 2 intervals of 50 ms
  });

  it("retries a throttled page and stops if the service hands back a token it already gave", async () => {
    cognito
      .on(ListUsersCommand)
      .rejectsOnce(awsError("TooManyRequestsException", "Rate exceeded"))
      .resolvesOnce({ Users: [{ Username: "a", Enabled: true }], PaginationToken: "same" })
      .resolves({ Users: [{ Username: "b", Enabled: true }], PaginationToken: "same" });
    const users = [];
    for await (const batch of listPoolUsers(client, "pool", new TokenBucket(1000))) users.push(...batch);
    expect(users.map((u) => u.username)).toEqual(["a", "b"]);
  });
});

describe("AdminCreateUser engine against a mocked Cognito", () => {
  it("suppresses the welcome message, maps the attributes and sets a permanent password nobody knows", async () => {
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: "sub-1" } });
    cognito.on(AdminSetUserPasswordCommand).resolves({});
    const ledger = ledgerWith([sourceUser(1)]);
    const summary = await engine(ledger);
    expect(summary.outcomes.created).toBe(1);
    const create = cognito.commandCalls(AdminCreateUserCommand)[0]!.args[0].input;
    expect(create).toMatchObject({
      UserPoolId: "pool",
      Username: "user1@example.com",
      MessageAction: "SUPPRESS",
    });
    expect(create.UserAttributes).toEqual([
      { Name: "email", Value: "user1@example.com" },
      { Name: "email_verified", Value: "true" },
      { Name: "custom:realm_user_id", Value: "64f65e24c2f20a0e2dff0001" },
    ]);
    const setPassword = cognito.commandCalls(AdminSetUserPasswordCommand)[0]!.args[0].input;
    expect(setPassword).toMatchObject({ Username: "sub-1", Permanent: true });
    expect(setPassword.Password!.length).toBeGreaterThanOrEqual(32);
    expect(create.TemporaryPassword).toBeUndefined(); // Cognito makes one up and, suppressed, sends it to nobody
    expect(ledger.get("64f65e24c2f20a0e2dff0001")).toMatchObject({
      state: "created",
      cognitoUsername: "sub-1",
      attempts: 1,
    });
  });

  it("retries TooManyRequestsException and throttling LimitExceededException, but not the daily email limit", async () => {
    expect(isRetryableCognitoError(awsError("TooManyRequestsException", "Rate exceeded"))).toBe(true);
    expect(
      isRetryableCognitoError(
        awsError("LimitExceededException", "Attempt limit exceeded, please try after some time."),
      ),
    ).toBe(true);
    expect(
      isRetryableCognitoError(
        awsError("LimitExceededException", "Exceeded daily email limit for the operation or the account."),
      ),
    ).toBe(false);
    expect(isRetryableCognitoError(awsError("InvalidParameterException"))).toBe(false);

    cognito
      .on(AdminCreateUserCommand, { Username: "user1@example.com" })
      .rejectsOnce(awsError("TooManyRequestsException", "Rate exceeded"))
      .rejectsOnce(awsError("LimitExceededException", "Attempt limit exceeded"))
      .resolves({ User: { Username: "sub-1" } })
      .on(AdminCreateUserCommand, { Username: "user2@example.com" })
      .rejects(
        awsError("LimitExceededException", "Exceeded daily email limit for the operation or the account."),
      );
    cognito.on(AdminSetUserPasswordCommand).resolves({});
    const ledger = ledgerWith([sourceUser(1), sourceUser(2)]);
    const summary = await engine(ledger);
    expect(summary.outcomes).toMatchObject({ created: 1, failed: 1 });
    expect(summary.retries).toBe(2);
    expect(cognito.commandCalls(AdminCreateUserCommand, { Username: "user2@example.com" })).toHaveLength(1);
    expect(ledger.get("64f65e24c2f20a0e2dff0002")?.reason).toMatch(
      /^LimitExceededException: Exceeded daily email limit/,
    );
  });

  it("counts UsernameExistsException as already present (phase 1), ours from an earlier run, or a conflict", async () => {
    cognito
      .on(AdminCreateUserCommand)
      .rejects(awsError("UsernameExistsException", "User account already exists"));
    cognito
      .on(AdminGetUserCommand, { Username: "user1@example.com" })
      .resolves({
        Username: "sub-1",
        UserStatus: "CONFIRMED",
        UserCreateDate: new Date("2026-01-01T00:00:00Z"),
        UserAttributes: [{ Name: "custom:realm_user_id", Value: "64f65e24c2f20a0e2dff0001" }],
      })
      .on(AdminGetUserCommand, { Username: "user2@example.com" })
      .resolves({
        Username: "sub-2",
        UserStatus: "FORCE_CHANGE_PASSWORD",
        UserCreateDate: new Date(),
        UserAttributes: [{ Name: "custom:realm_user_id", Value: "64f65e24c2f20a0e2dff0002" }],
      })
      .on(AdminGetUserCommand, { Username: "user3@example.com" })
      .resolves({
        Username: "sub-3",
        UserStatus: "CONFIRMED",
        UserAttributes: [{ Name: "custom:realm_user_id", Value: "ffffffffffffffffffffffff" }],
      });
    cognito.on(AdminSetUserPasswordCommand).resolves({});
    const ledger = ledgerWith([sourceUser(1), sourceUser(2), sourceUser(3)]);
    const summary = await engine(ledger);
    expect(summary.outcomes).toMatchObject({ "already-present": 1, created: 1, conflict: 1 });
    expect(ledger.get("64f65e24c2f20a0e2dff0001")?.state).toBe("already-present");
    // Killed between AdminCreateUser and AdminSetUserPassword: the re-run finishes the job.
    expect(ledger.get("64f65e24c2f20a0e2dff0002")?.state).toBe("created");
    expect(
      cognito.commandCalls(AdminSetUserPasswordCommand).map((call) => call.args[0].input.Username),
    ).toEqual(["sub-2"]);
    expect(ledger.get("64f65e24c2f20a0e2dff0003")?.reason).toMatch(
      /another realm_user_id \(ffffffffffffffffffffffff/,
    );
  });

  it("records a conflict when a pool keyed by Realm user id already has the email as another user's alias", async () => {
    cognito
      .on(AdminCreateUserCommand)
      .rejects(awsError("AliasExistsException", "An account with the email already exists."));
    const ledger = ledgerWith([sourceUser(1)]);
    const summary = await importWithAdminCreate({
      client,
      ledger,
      userPoolId: "pool",
      username: "realm-user-id",
      createBucket: new TokenBucket(1000),
      setPasswordBucket: new TokenBucket(1000),
      concurrency: 1,
      maxAttempts: 2,
    });
    expect(summary.outcomes.conflict).toBe(1);
    expect(cognito.commandCalls(AdminCreateUserCommand)[0]!.args[0].input.Username).toBe(
      "64f65e24c2f20a0e2dff0001",
    );
    expect(ledger.get("64f65e24c2f20a0e2dff0001")?.reason).toMatch(/alias of another Cognito user/);
  });

  it("changes nothing in a dry run", async () => {
    const ledger = ledgerWith([sourceUser(1), sourceUser(2)]);
    const summary = await importWithAdminCreate({
      client,
      ledger,
      userPoolId: "pool",
      username: "email",
      createBucket: new TokenBucket(10),
      setPasswordBucket: new TokenBucket(10),
      concurrency: 2,
      maxAttempts: 2,
      dryRun: true,
    });
    expect(summary.outcomes["would-create"]).toBe(2);
    expect(cognito.calls()).toHaveLength(0);
    expect(ledger.counts().planned).toBe(2);
    expect(ledger.get("64f65e24c2f20a0e2dff0001")?.attempts).toBe(0);
  });

  it("holds the configured rate however many requests are in flight", async () => {
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: "x" } });
    cognito.on(AdminSetUserPasswordCommand).resolves({});
    const ledger = ledgerWith(Array.from({ length: 41 }, (_, i) => sourceUser(i + 1)));
    const started = performance.now();
    const summary = await engine(ledger, { rate: 100 });
    const seconds = (performance.now() - started) / 1000;
    expect(summary.outcomes.created).toBe(41);
    // 41 calls at 100/s with a burst of 2: at least 0.39 s.
    expect(seconds).toBeGreaterThanOrEqual(0.38);
    expect(seconds).toBeLessThan(1.5);
  });
});
