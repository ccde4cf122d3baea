import { bsonIdString } from "@realm-to-cognito/core";
import { Binary, Decimal128, Double, EJSON, Int32, Long, ObjectId, UUID } from "bson";
import { describe, expect, it } from "vitest";

// The CLI reads collections through the driver's bson (6.x), whose classes differ from bson 4's.
describe("_id strings of the driver's BSON values (bson 6)", () => {
  it("match the strings of their canonical Extended JSON", () => {
    const values = [
      new ObjectId("5f1a2b3c4d5e6f7a8b9c0d1e"),
      new Int32(-7),
      Long.fromString("9223372036854775807"),
      new Double(1.5),
      new Double(-0),
      Decimal128.fromString("1.5E+3"),
      new UUID("f47ac10b-58cc-4372-a567-0e02b2c3d479"),
      new Binary(Buffer.from([1, 2, 3]), 0),
      new Date(1_700_000_000_000),
    ];
    for (const value of values) {
      const canonical = JSON.parse(EJSON.stringify({ v: value }, { relaxed: false })).v;
      const fromDriver = bsonIdString(value);
      expect(fromDriver.ok).toBe(true);
      expect(fromDriver).toEqual(bsonIdString(canonical));
    }
    expect(bsonIdString(new UUID("f47ac10b-58cc-4372-a567-0e02b2c3d479"))).toEqual({
      ok: true,
      id: "uuid:f47ac10b-58cc-4372-a567-0e02b2c3d479",
    });
  });
});
