import { describe, expect, it } from "vitest";
import { userFromFlowerbaseAuthUser } from "../src/index.js";

// Shaped as flowerbase's handleUserRegistration writes it, exported by mongoexport (canonical).
const authUser = (overrides: Record<string, unknown> = {}) => ({
  _id: { $oid: "65a1b2c3d4e5f60718293a4b" },
  email: "ada@example.com",
  password: `${"ab".repeat(64)}.${"cd".repeat(128)}`,
  status: "confirmed",
  createdAt: { $date: { $numberLong: "1700000000000" } },
  lastLoginAt: { $date: "2024-01-02T03:04:05.000Z" },
  custom_data: {},
  identities: [
    {
      id: "65a1b2c3d4e5f60718293a4b",
      provider_id: "65a1b2c3d4e5f60718293a4b",
      provider_type: "local-userpass",
      provider_data: { email: "ada@example.com" },
    },
  ],
  ...overrides,
});

describe("flowerbase auth_users documents", () => {
  it("become a source user with the flowerbase user id and never the password hash", () => {
    const result = userFromFlowerbaseAuthUser(authUser());
    expect(result).toEqual({
      ok: true,
      user: {
        realmUserId: "65a1b2c3d4e5f60718293a4b",
        email: "ada@example.com",
        confirmed: true,
        disabled: false,
        createdAt: "2023-11-14T22:13:20.000Z",
        lastAuthenticatedAt: "2024-01-02T03:04:05.000Z",
      },
    });
    expect(JSON.stringify(result)).not.toContain("abab");
  });

  it.each([
    ["pending", false],
    ["failed", false],
    ["confirmed", true],
  ])("maps status %s to confirmed=%s", (status, confirmed) => {
    const result = userFromFlowerbaseAuthUser(authUser({ status }));
    expect(result.ok && result.user.confirmed).toBe(confirmed);
  });

  it.each([
    [{ status: undefined }, "status: missing"],
    [{ status: "active" }, 'status: "active" is not a flowerbase status (confirmed, pending, failed)'],
    [{ email: "" }, "email: missing"],
    [{ email: "ada\u0000@example.com" }, "email: holds the control character U+0000"],
    [{ _id: { $numberInt: "7" } }, '_id: "7" is not an ObjectId, so not a flowerbase user id'],
    [{ _id: [1] }, "_id: an array is not an id this toolkit can carry"],
    [
      { identities: [{ provider_type: "anon-user" }] },
      "identities: no email/password (local-userpass) identity",
    ],
  ])("refuses %j: %s", (overrides, reason) => {
    const result = userFromFlowerbaseAuthUser(authUser(overrides));
    expect(result).toMatchObject({ ok: false, reason });
  });

  it("reads the driver's Date values as well as Extended JSON ones", () => {
    const result = userFromFlowerbaseAuthUser(authUser({ createdAt: new Date(0) }));
    expect(result.ok && result.user.createdAt).toBe("1970-01-01T00:00:00.000Z");
  });
});
