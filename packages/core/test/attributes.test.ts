import { describe, expect, it } from "vitest";
import {
  checkAttributeMapping,
  fromAttributeList,
  type SourceUser,
  toAttributeList,
  toCognitoAttributes,
} from "../src/index.js";

function aUser(overrides: Partial<SourceUser> = {}): SourceUser {
  return {
    realmUserId: "65a1b2c3d4e5f60718293a4b",
    email: "Ada@Example.com",
    mongoId: "65a1b2c3d4e5f60718293a4c",
    confirmed: true,
    disabled: false,
    ...overrides,
  };
}

describe("Cognito attribute mapping", () => {
  it("maps a confirmed user to email, verified flag, Realm id and Mongo id", () => {
    expect(toCognitoAttributes(aUser())).toEqual({
      email: "Ada@Example.com",
      email_verified: "true",
      "custom:realm_user_id": "65a1b2c3d4e5f60718293a4b",
      "custom:mongo_id": "65a1b2c3d4e5f60718293a4c",
    });
  });

  it("does not vouch for the email of an unconfirmed user", () => {
    expect(toCognitoAttributes(aUser({ confirmed: false })).email_verified).toBe("false");
  });

  it("maps extra fields by configuration but never sub, username or email", () => {
    const user = aUser({ extra: { fullName: "Ada Lovelace", evil: "x", mail: "other@example.com" } });
    const attributes = toCognitoAttributes(user, { name: "fullName", sub: "evil", email: "mail" });
    expect(attributes.name).toBe("Ada Lovelace");
    expect(attributes.sub).toBeUndefined();
    expect(attributes.email).toBe("Ada@Example.com");
    expect(checkAttributeMapping({ sub: "evil", name: "fullName" })).toHaveLength(1);
  });

  it("omits ids the source does not have", () => {
    const attributes = toCognitoAttributes(aUser({ realmUserId: undefined, mongoId: undefined }));
    expect(Object.keys(attributes).sort()).toEqual(["email", "email_verified"]);
  });

  it("round-trips through Cognito's Name/Value list", () => {
    const attributes = toCognitoAttributes(aUser());
    expect(fromAttributeList(toAttributeList(attributes))).toEqual(attributes);
  });
});
