import { describe, expect, it } from "vitest";
import {
  accountStatus,
  adminApiPosition,
  emailVerifiedValue,
  formatSourcePosition,
  parseSnapshotLine,
  statusFromDocument,
  toCognitoAttributes,
} from "../src/index.js";

describe("source positions", () => {
  it("name the operator's file and line, or the Admin API page and item", () => {
    expect(formatSourcePosition({ kind: "file", file: "users.json", line: 12 })).toBe("users.json line 12");
    expect(formatSourcePosition(adminApiPosition("users", 51))).toBe("Admin API users page 2 item 1");
    expect(formatSourcePosition(adminApiPosition("pending", 50))).toBe(
      "Admin API pending users page 1 item 50",
    );
    expect(formatSourcePosition({ kind: "collection", collection: "app.users", index: 3 })).toBe(
      "app.users document 3 in _id order",
    );
  });

  it("travel in a snapshot line and are checked there", () => {
    const line = { email: "a@b.co", confirmed: true, disabled: false, source: "mongoexport" };
    const at = { kind: "file", file: "users.json", line: 7 };
    expect(parseSnapshotLine(JSON.stringify({ ...line, at }))).toEqual({ ok: true, user: { ...line, at } });
    expect(parseSnapshotLine(JSON.stringify({ ...line, at: { kind: "file", line: 0 } })).ok).toBe(false);
  });
});

describe("account status from a user document", () => {
  it("never assumes confirmed: without a configured field the user is pending", () => {
    const result = statusFromDocument({ email: "a@b.co" }, {});
    expect(result).toEqual({ ok: true, confirmed: false, disabled: false, known: false });
  });

  it("takes the operator's named statement that every document is a confirmed user", () => {
    expect(statusFromDocument({}, { everyDocumentConfirmed: true })).toMatchObject({
      ok: true,
      confirmed: true,
    });
    expect(
      statusFromDocument({ blocked: true }, { everyDocumentConfirmed: true, disabledField: "blocked" }),
    ).toMatchObject({
      disabled: true,
    });
  });

  it("maps a status field with the configured words", () => {
    const mapping = {
      statusField: "account.state",
      statusValues: { confirmed: ["active"], pending: ["invited"], disabled: ["banned"] },
    };
    expect(statusFromDocument({ account: { state: "Active" } }, mapping)).toMatchObject({
      confirmed: true,
      disabled: false,
    });
    expect(statusFromDocument({ account: { state: "invited" } }, mapping)).toMatchObject({
      confirmed: false,
    });
    expect(statusFromDocument({ account: { state: "banned" } }, mapping)).toMatchObject({ disabled: true });
    expect(statusFromDocument({ account: { state: "weird" } }, mapping)).toEqual({
      ok: false,
      reason: 'account.state: "weird" is none of the configured confirmed, pending or disabled values',
    });
    expect(statusFromDocument({}, mapping)).toEqual({ ok: false, reason: "account.state: missing" });
  });

  it("maps a verified field and a disabled field", () => {
    const mapping = { verifiedField: "emailVerified", disabledField: "blocked" };
    expect(statusFromDocument({ emailVerified: true }, mapping)).toMatchObject({
      confirmed: true,
      disabled: false,
    });
    expect(statusFromDocument({}, mapping)).toMatchObject({ confirmed: false });
    expect(statusFromDocument({ emailVerified: true, blocked: true }, mapping)).toMatchObject({
      disabled: true,
    });
    expect(statusFromDocument({ emailVerified: "yes" }, mapping)).toEqual({
      ok: false,
      reason: "emailVerified: not a boolean",
    });
  });

  it("gives pending users email_verified false in the attributes every engine writes", () => {
    const pending = { email: "a@b.co", confirmed: false, disabled: false };
    expect(accountStatus(pending)).toBe("pending");
    expect(emailVerifiedValue(pending)).toBe("false");
    expect(toCognitoAttributes(pending).email_verified).toBe("false");
    expect(accountStatus({ confirmed: true, disabled: true })).toBe("disabled");
  });
});
