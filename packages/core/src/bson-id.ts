/**
 * Deterministic string forms of a MongoDB `_id`, from canonical or relaxed Extended JSON (as
 * `mongoexport` writes it, parsed with `JSON.parse`) or from the driver's BSON values (recognised by
 * their `_bsontype`, so core needs no BSON library). Two `_id`s MongoDB holds equal get the same string:
 * numbers of every type (Int32, Int64, Double, Decimal128) compare by value in MongoDB, so `1`, `1.0`,
 * `{"$numberLong":"1"}` and `{"$numberDecimal":"1.00"}` are all "1" and -0 is "0".
 *
 * | type | string |
 * |---|---|
 * | ObjectId | 24 lowercase hex |
 * | string | itself (not empty) |
 * | Int32, Int64, Double, Decimal128 | the number in plain decimal, no exponent within 40 digits |
 * | Binary subtype 4 (UUID) | `uuid:` + the hyphenated lowercase UUID |
 * | other Binary | `binary:` + subtype (2 hex digits) + `:` + base64 |
 * | Date | `date:` + ISO-8601 in UTC with milliseconds |
 *
 * Refused, with a reason: NaN and ±Infinity, integers beyond 2^53 in relaxed JSON (their digits are
 * already lost), arrays, embedded documents, booleans, null and every other BSON type.
 */
export type IdResult =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The deterministic string of an `_id` value.
 * @example bsonIdString({ $numberLong: "42" }) // { ok: true, id: "42" }
 * @example bsonIdString({ $oid: "5F1A..." }) // { ok: true, id: "5f1a..." }
 */
export function bsonIdString(value: unknown): IdResult {
  if (typeof value === "string") return value === "" ? refuse("an empty string") : accept(value);
  if (typeof value === "number") return fromJsonNumber(value);
  if (typeof value === "bigint") return accept(value.toString());
  if (value === undefined) return { ok: false, reason: "missing" };
  if (value === null) return { ok: false, reason: "null is not an id this toolkit can carry" };
  if (typeof value === "boolean") return refuse("a boolean");
  if (Array.isArray(value)) return refuse("an array");
  if (value instanceof Date) return fromDate(value.getTime());
  if (typeof value !== "object") return refuse(`a ${typeof value}`);
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsonType === "string") return fromBsonValue(bsonType, value);
  return fromExtendedJson(value as Record<string, unknown>);
}

function accept(id: string): IdResult {
  return { ok: true, id };
}

function refuse(what: string): IdResult {
  return { ok: false, reason: `${what} is not an id this toolkit can carry` };
}

const OBJECT_ID = /^[0-9a-fA-F]{24}$/;

function fromExtendedJson(doc: Record<string, unknown>): IdResult {
  const keys = Object.keys(doc);
  const only = (key: string): boolean => keys.length === 1 && keys[0] === key;
  if (only("$oid"))
    return typeof doc.$oid === "string" && OBJECT_ID.test(doc.$oid)
      ? accept(doc.$oid.toLowerCase())
      : refuse("a malformed $oid");
  if (only("$numberInt") || only("$numberLong")) {
    const text = doc[keys[0]!];
    return typeof text === "string" && /^-?\d+$/.test(text)
      ? accept(normalizeDecimal(text) ?? text)
      : refuse(`a malformed ${keys[0]}`);
  }
  if (only("$numberDouble")) return fromDoubleText(doc.$numberDouble);
  if (only("$numberDecimal")) return fromDecimalText(doc.$numberDecimal);
  if (only("$uuid"))
    return typeof doc.$uuid === "string" && UUID.test(doc.$uuid)
      ? accept(`uuid:${doc.$uuid.toLowerCase()}`)
      : refuse("a malformed $uuid");
  if (only("$binary")) return fromCanonicalBinary(doc.$binary);
  if (keys.length === 2 && "$binary" in doc && "$type" in doc) return fromBinary(doc.$binary, doc.$type); // legacy extended JSON (mongoexport before 4.2)
  if (only("$date")) return fromExtendedDate(doc.$date);
  const operator = keys.find((key) => key.startsWith("$"));
  return refuse(operator ? `a ${operator} value` : "an embedded document");
}

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

function fromCanonicalBinary(binary: unknown): IdResult {
  if (typeof binary !== "object" || binary === null) return refuse("a malformed $binary");
  const { base64, subType } = binary as { base64?: unknown; subType?: unknown };
  return fromBinary(base64, subType);
}

function fromBinary(base64: unknown, subType: unknown): IdResult {
  if (typeof base64 !== "string" || typeof subType !== "string" || !/^[0-9a-fA-F]{1,2}$/.test(subType))
    return refuse("a malformed $binary");
  const bytes = decodeBase64(base64);
  if (bytes === undefined) return refuse("a $binary with invalid base64");
  return binaryId(Number.parseInt(subType, 16), bytes);
}

function binaryId(subType: number, bytes: Uint8Array): IdResult {
  if (subType === 4 && bytes.length === 16) return accept(`uuid:${uuidText(bytes)}`);
  return accept(`binary:${subType.toString(16).padStart(2, "0")}:${encodeBase64(bytes)}`);
}

function uuidText(bytes: Uint8Array): string {
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text);
  return Uint8Array.from(binary, (character) => character.charCodeAt(0));
}

function encodeBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromExtendedDate(date: unknown): IdResult {
  if (typeof date === "string") {
    const time = Date.parse(date);
    return Number.isNaN(time) ? refuse("a malformed $date") : fromDate(time);
  }
  if (typeof date === "number") return fromDate(date);
  if (typeof date === "object" && date !== null) {
    const long = (date as { $numberLong?: unknown }).$numberLong;
    if (typeof long === "string" && /^-?\d+$/.test(long)) return fromDate(Number(long));
  }
  return refuse("a malformed $date");
}

function fromDate(time: number): IdResult {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? refuse("a date out of range") : accept(`date:${date.toISOString()}`);
}

function fromJsonNumber(value: number): IdResult {
  if (Number.isNaN(value)) return refuse("NaN");
  if (!Number.isFinite(value)) return refuse(value > 0 ? "Infinity" : "-Infinity");
  if (Number.isInteger(value) && !Number.isSafeInteger(value))
    return {
      ok: false,
      reason: `the integer ${value} is beyond 2^53 in relaxed JSON, so its last digits are already lost: export with mongoexport --jsonFormat=canonical`,
    };
  return accept(normalizeDecimal(numberText(value))!);
}

// The shortest text that reads back as the same double (ECMAScript's Number::toString).
function numberText(value: number): string {
  return Object.is(value, -0) ? "0" : String(value);
}

function fromDoubleText(text: unknown): IdResult {
  if (typeof text !== "string") return refuse("a malformed $numberDouble");
  if (text === "NaN") return refuse("NaN");
  if (text === "Infinity" || text === "-Infinity") return refuse(text);
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) return refuse("a malformed $numberDouble");
  // Canonical JSON writes the double's own digits; read them as the double they name.
  return Number.isFinite(value) ? accept(normalizeDecimal(numberText(value))!) : refuse("Infinity");
}

function fromDecimalText(text: unknown): IdResult {
  if (typeof text !== "string") return refuse("a malformed $numberDecimal");
  if (/^[-+]?(NaN|Inf(inity)?)$/i.test(text)) return refuse(text.replace(/^\+/, ""));
  const normalized = normalizeDecimal(text);
  return normalized === undefined ? refuse("a malformed $numberDecimal") : accept(normalized);
}

function fromBsonValue(type: string, value: object): IdResult {
  const v = value as {
    toHexString?: () => string;
    toString: (radix?: number) => string;
    valueOf?: () => unknown;
    value?: unknown;
    sub_type?: unknown;
    buffer?: unknown;
    position?: unknown;
  };
  switch (type) {
    case "ObjectId":
    case "ObjectID":
      return typeof v.toHexString === "function"
        ? accept(v.toHexString().toLowerCase())
        : refuse("an ObjectId");
    case "Int32":
    case "Long":
      return accept(normalizeDecimal(v.toString(10)) ?? v.toString(10));
    case "Double": {
      const number = typeof v.value === "number" ? v.value : Number(v.valueOf?.());
      return fromJsonNumberExact(number);
    }
    case "Decimal128":
      return fromDecimalText(v.toString());
    case "Binary":
    case "UUID": {
      // A Binary may hold spare capacity past `position` (bson 6).
      const bytes =
        v.buffer instanceof Uint8Array
          ? typeof v.position === "number"
            ? v.buffer.subarray(0, v.position)
            : v.buffer
          : undefined;
      const subType = typeof v.sub_type === "number" ? v.sub_type : type === "UUID" ? 4 : undefined;
      return bytes && subType !== undefined ? binaryId(subType, bytes) : refuse("a Binary");
    }
    default:
      return refuse(`a BSON ${type}`);
  }
}

// A driver Double holds the exact double: no digits were lost, so large integers are fine.
function fromJsonNumberExact(value: number): IdResult {
  if (Number.isNaN(value)) return refuse("NaN");
  if (!Number.isFinite(value)) return refuse(value > 0 ? "Infinity" : "-Infinity");
  return accept(normalizeDecimal(numberText(value))!);
}

const PLAIN_DIGITS = 40;

/**
 * A decimal number's text in one form: no sign for zero, no leading or trailing zeros, no exponent when
 * the plain form has at most 40 digits, else `d.ddde±n`. Undefined when `text` is not a decimal number.
 */
export function normalizeDecimal(text: string): string | undefined {
  const match = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole = "", fraction = "", exponentText] = match;
  if (whole === "" && fraction === "") return undefined;
  let digits = `${whole}${fraction}`.replace(/^0+/, "");
  // The value is digits × 10^exponent.
  let exponent = Number(exponentText ?? 0) - fraction.length;
  if (digits === "") return "0";
  const trailing = digits.length - digits.replace(/0+$/, "").length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  const negative = sign === "-" ? "-" : "";
  const pointAt = digits.length + exponent; // digits before the decimal point
  if (exponent >= 0 && pointAt <= PLAIN_DIGITS) return `${negative}${digits}${"0".repeat(exponent)}`;
  if (exponent < 0 && pointAt > 0) return `${negative}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  if (exponent < 0 && pointAt <= 0 && digits.length - pointAt <= PLAIN_DIGITS)
    return `${negative}0.${"0".repeat(-pointAt)}${digits}`;
  const scientific = pointAt - 1;
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${negative}${mantissa}e${scientific >= 0 ? "+" : ""}${scientific}`;
}
