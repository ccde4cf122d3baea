import { Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import { type CollectionFields, userFromCollectionDocument } from "../src/sources/collection-document.js";

const FIELDS: CollectionFields = {
  userIdField: "user_id",
  emailField: "email",
  mongoIdField: "_id",
  extraFields: ["plan"],
};
const REALM_ID = "64f65e24c2f20a0e2dff0001";
const doc = (overrides: Record<string, unknown> = {}) => ({
  _id: new ObjectId("6645b9c4a1e8443791000001"),
  user_id: REALM_ID,
  email: "ada@example.com",
  ...overrides,
});

describe("a user document of the app's collection", () => {
  it.each([
    ["Int32", new Int32(7), "7"],
    ["Long", Long.fromString("9223372036854775807"), "9223372036854775807"],
    ["Double", new Double(7.5), "7.5"],
    ["Decimal128", Decimal128.fromString("7.50"), "7.5"],
    ["string", "user-7", "user-7"],
  ])("keeps a %s _id as a deterministic string (it was rejected as missing before)", (_, id, expected) => {
    const result = userFromCollectionDocument(doc({ _id: id }), FIELDS, "mongo-collection");
    expect(result).toMatchObject({ ok: true, user: { mongoId: expected } });
  });

  it("reads the _id as the file wrote it when given, so a relaxed integer past 2^53 is refused, not rounded", () => {
    const result = userFromCollectionDocument(
      doc({ _id: Long.fromNumber(9007199254740992) }),
      FIELDS,
      "mongoexport",
      9007199254740992,
    );
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("--jsonFormat=canonical") });
  });

  it("refuses an email with a NUL character, naming it", () => {
    const result = userFromCollectionDocument(doc({ email: "ada\u0000@example.com" }), FIELDS, "mongoexport");
    expect(result).toEqual({
      ok: false,
      ref: "6645b9c4a1e8443791000001",
      reason: "email: holds the control character U+0000",
    });
  });

  it("never assumes confirmed: without a status mapping the user is pending", () => {
    const result = userFromCollectionDocument(doc(), FIELDS, "mongoexport");
    expect(result).toMatchObject({ ok: true, user: { confirmed: false, disabled: false } });
  });

  it("maps the configured status field, and refuses a word it does not know", () => {
    const fields = { ...FIELDS, status: { statusField: "status" } };
    expect(userFromCollectionDocument(doc({ status: "confirmed" }), fields, "mongoexport")).toMatchObject({
      ok: true,
      user: { confirmed: true },
    });
    expect(userFromCollectionDocument(doc({ status: "disabled" }), fields, "mongoexport")).toMatchObject({
      ok: true,
      user: { disabled: true },
    });
    expect(userFromCollectionDocument(doc({ status: "weird" }), fields, "mongoexport")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("none of the configured"),
    });
  });

  it("takes a Realm user id stored as an ObjectId", () => {
    const result = userFromCollectionDocument(
      doc({ user_id: new ObjectId(REALM_ID) }),
      FIELDS,
      "mongo-collection",
    );
    expect(result).toMatchObject({ ok: true, user: { realmUserId: REALM_ID } });
  });
});
