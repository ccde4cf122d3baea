import { parseSnapshotLine } from "@realm-to-cognito/core";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { ISO_DATETIME_WITH_OFFSET, parseSnapshot } from "../src/directory.js";
import { RateLimiter } from "../src/rate-limit.js";

const GOOD = {
  realmUserId: "65a1b2c3d4e5f60718293a01",
  email: "ada@example.com",
  mongoId: "75a1b2c3d4e5f60718293a01",
  confirmed: true,
  disabled: false,
  createdAt: "2024-05-01T10:00:00Z",
  lastAuthenticatedAt: "2025-01-01T10:00:00.000+02:00",
  extra: { plan: "pro" },
  source: "admin-api",
};

describe("parseSnapshot", () => {
  it.each([
    ["a full line", GOOD],
    [
      "a pending registration",
      { email: "p@example.com", confirmed: false, disabled: false, source: "pending-registrations" },
    ],
    ["a bad Realm id", { ...GOOD, realmUserId: "xyz" }],
    ["an empty email", { ...GOOD, email: "" }],
    ["a date without zone", { ...GOOD, createdAt: "2024-05-01T10:00:00" }],
    ["a date without seconds", { ...GOOD, createdAt: "2024-05-01T10:00Z" }],
    ["a leap day", { ...GOOD, createdAt: "2024-02-29T10:00:00Z" }],
    ["a 29 February outside a leap year", { ...GOOD, createdAt: "2023-02-29T10:00:00Z" }],
    ["an offset out of range", { ...GOOD, lastAuthenticatedAt: "2025-01-01T10:00:00+24:00" }],
    ["an array as extra", { ...GOOD, extra: ["pro"] }],
    ["an unknown source", { ...GOOD, source: "ldap" }],
    ["an unknown field", { ...GOOD, password: "x" }],
    ["a non-string extra", { ...GOOD, extra: { plan: 1 } }],
    ["a missing flag", { ...GOOD, confirmed: undefined }],
  ])("agrees with core's snapshot schema on %s", (_name, line) => {
    const text = JSON.stringify(line);
    const core = parseSnapshotLine(text);
    const ours = parseSnapshot(text);
    expect(ours.users.length === 1).toBe(core.ok);
    if (core.ok) expect(ours.users[0]).toEqual(core.user);
  });

  it("checks timestamps with zod's own ISO date-time pattern", () => {
    expect(ISO_DATETIME_WITH_OFFSET.source).toBe(z.regexes.datetime({ offset: true }).source);
  });

  it("reports bad lines by number and skips blank ones", () => {
    const text = [
      JSON.stringify(GOOD),
      "",
      "{oops",
      JSON.stringify({ ...GOOD, email: "b@example.com" }),
      "{}",
    ].join("\n");
    const { users, badLines } = parseSnapshot(text);
    expect(users.map((user) => user.email)).toEqual(["ada@example.com", "b@example.com"]);
    expect(badLines).toEqual([3, 5]);
  });
});

describe("RateLimiter", () => {
  it("allows a burst, refuses the next, and refills with time", () => {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 2, perMinute: 6, now: () => now });
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([true, true, false]);
    expect(limiter.take("b")).toBe(true);
    now = 10_000; // one token back after 10 s at 6 a minute
    expect([limiter.take("a"), limiter.take("a")]).toEqual([true, false]);
  });

  // The old limiter evicted the least recently used key past maxKeys, so a flood of junk keys gave a
  // drained key a full bucket again; endpoints.test.ts shows the flood no longer does.
  it("refuses a new key rather than forget a bucket that has not refilled", () => {
    const limiter = new RateLimiter({ capacity: 1, perMinute: 1, maxKeys: 2, now: () => 0 });
    limiter.take("a");
    limiter.take("b");
    expect(limiter.take("c")).toBe(false);
    expect(limiter.take("a")).toBe(false);
  });
});
