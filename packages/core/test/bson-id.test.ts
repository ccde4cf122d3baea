import { Binary, Decimal128, Double, EJSON, Int32, Long, ObjectId, UUID } from "bson";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bsonIdString, normalizeDecimal } from "../src/index.js";

const idOf = (value: unknown) => {
  const result = bsonIdString(value);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.id;
};
const reasonOf = (value: unknown) => {
  const result = bsonIdString(value);
  if (result.ok) throw new Error(`accepted as ${result.id}`);
  return result.reason;
};

describe("_id strings from Extended JSON", () => {
  it.each([
    ["ObjectId", { $oid: "5F1A2B3C4D5E6F7A8B9C0D1E" }, "5f1a2b3c4d5e6f7a8b9c0d1e"],
    ["string", "user-42", "user-42"],
    ["Int32 canonical", { $numberInt: "42" }, "42"],
    ["Int32 relaxed", 42, "42"],
    ["Int64 canonical", { $numberLong: "9223372036854775807" }, "9223372036854775807"],
    ["Int64 negative", { $numberLong: "-12" }, "-12"],
    ["Double canonical", { $numberDouble: "1.5" }, "1.5"],
    ["Double integral", { $numberDouble: "42.0" }, "42"],
    ["Double relaxed", 0.25, "0.25"],
    ["Double -0", { $numberDouble: "-0.0" }, "0"],
    ["Double relaxed -0", -0, "0"],
    ["Double large", { $numberDouble: "1e+300" }, "1e+300"],
    ["Decimal128", { $numberDecimal: "42.00" }, "42"],
    ["Decimal128 exponent", { $numberDecimal: "1.5E+3" }, "1500"],
    ["Decimal128 -0", { $numberDecimal: "-0" }, "0"],
    ["Decimal128 small", { $numberDecimal: "0.00012" }, "0.00012"],
    [
      "UUID (canonical binary subtype 04)",
      { $binary: { base64: "ASNFZ4mrze8BI0VniavN7w==", subType: "04" } },
      "uuid:01234567-89ab-cdef-0123-456789abcdef",
    ],
    [
      "UUID ($uuid)",
      { $uuid: "01234567-89AB-CDEF-0123-456789ABCDEF" },
      "uuid:01234567-89ab-cdef-0123-456789abcdef",
    ],
    ["Binary subtype 0", { $binary: { base64: "AQID", subType: "00" } }, "binary:00:AQID"],
    ["Binary legacy", { $binary: "AQID", $type: "80" }, "binary:80:AQID"],
    ["Date canonical", { $date: { $numberLong: "1700000000000" } }, "date:2023-11-14T22:13:20.000Z"],
    ["Date relaxed", { $date: "2023-11-14T22:13:20Z" }, "date:2023-11-14T22:13:20.000Z"],
  ])("%s", (_, value, expected) => {
    expect(idOf(value)).toBe(expected);
  });

  it.each([
    ["NaN", { $numberDouble: "NaN" }, /NaN/],
    ["Infinity", { $numberDouble: "Infinity" }, /Infinity/],
    ["-Infinity", { $numberDouble: "-Infinity" }, /-Infinity/],
    ["Decimal NaN", { $numberDecimal: "NaN" }, /NaN/],
    ["Decimal Infinity", { $numberDecimal: "-Infinity" }, /Infinity/],
    ["an array", [1, 2], /array/],
    ["an embedded document", { tenant: 1, user: 2 }, /embedded document/],
    ["a boolean", true, /boolean/],
    ["null", null, /null/],
    ["missing", undefined, /missing/],
    ["an empty string", "", /empty/],
    ["a regex", { $regularExpression: { pattern: "a", options: "" } }, /\$regularExpression/],
    ["a malformed $oid", { $oid: "xyz" }, /malformed \$oid/],
    ["a relaxed integer past 2^53", 2 ** 53 + 2, /canonical/],
  ])("refuses %s with a reason", (_, value, reason) => {
    expect(reasonOf(value)).toMatch(reason);
  });

  it("gives numbers MongoDB holds equal the same string, whatever their type", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
        const forms = [
          n,
          { $numberInt: String(n) },
          { $numberLong: String(n) },
          { $numberDouble: `${n}.0` },
          { $numberDecimal: `${n}.000` },
          new Int32(n),
          Long.fromNumber(n),
          new Double(n),
          Decimal128.fromString(String(n)),
        ];
        const ids = new Set(forms.map(idOf));
        expect([...ids]).toEqual([String(n)]);
      }),
    );
  });

  it("gives the driver's values the string of their Extended JSON", () => {
    const uuid = new UUID("f47ac10b-58cc-4372-a567-0e02b2c3d479");
    const values = [
      new ObjectId("5f1a2b3c4d5e6f7a8b9c0d1e"),
      Long.fromString("9223372036854775807"),
      new Double(1.5),
      new Double(-0),
      Decimal128.fromString("1.5E+3"),
      uuid,
      new Binary(Buffer.from([1, 2, 3]), 0),
      new Date(1_700_000_000_000),
    ];
    for (const value of values) {
      const canonical = JSON.parse(EJSON.stringify({ v: value }, { relaxed: false })).v;
      expect(idOf(value)).toBe(idOf(canonical));
    }
  });

  it("is deterministic for doubles: the double's own digits, read back to the same double", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const fromCanonical = idOf({ $numberDouble: String(x) });
        expect(fromCanonical).toBe(idOf(new Double(x)));
        expect(Number(fromCanonical)).toBe(Object.is(x, -0) ? 0 : x);
      }),
    );
  });
});

describe("normalizeDecimal", () => {
  it.each([
    ["007", "7"],
    ["-0.000", "0"],
    ["1.2300", "1.23"],
    ["1E+40", "1e+40"],
    ["1E+39", "1000000000000000000000000000000000000000"],
    ["12345E-10", "0.0000012345"],
    ["1E-6176", "1e-6176"],
  ])("%s → %s", (text, expected) => {
    expect(normalizeDecimal(text)).toBe(expected);
  });
});
