import { Query } from "mingo";
import { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { compileRulesFile, createGuard, defineAppRules, RulesError } from "../src/index.js";
import { MemoryClient } from "../src/memory.js";
import { realmUser } from "./fixtures.js";

/**
 * Every operator App Services accepts in rule expressions and document filters (rules/expressions:
 * $eq $ne $gt $gte $lt $lte $in $nin $exists, %stringToOid, %oidToString, %and %or %nor; and the MongoDB
 * query operators document filters pass to the server: $all $elemMatch $size $type $regex $mod $not).
 * For each: the rules load, the user sees exactly the documents the operator selects (checked against
 * the query run directly, the control), and a missing user value selects nothing.
 */

const OID = new ObjectId("65f0c0ffee00000000000001");

const DOCUMENTS = [
  {
    _id: 1,
    owner: "u1",
    members: ["u1", "u2"],
    tags: ["a", "b"],
    n: 4,
    name: "Alpha",
    oid: OID,
    items: [{ by: "u1", qty: 2 }],
  },
  {
    _id: 2,
    owner: "u2",
    members: ["u2"],
    tags: ["a"],
    n: 5,
    name: "beta",
    oid: new ObjectId(),
    items: [{ by: "u2", qty: 9 }],
  },
  { _id: 3, owner: ["u1", "u2"], members: ["u1"], tags: [], n: "4", name: "alpine", items: [] },
  { _id: 4, members: [], n: null, name: "Gamma", items: [{ by: "u1", qty: 20 }] },
];

/** [operator, document filter as exported, the same query with u1's values filled in (the control)] */
const CASES: [string, unknown, Record<string, unknown>][] = [
  // Strict by default: an owner array is nobody's own (see the expressions suite for the opt-in).
  ["$eq", { owner: { $eq: "%%user.id" } }, { owner: { $eq: "u1", $not: { $type: "array" } } }],
  ["$ne", { n: { $ne: 4 } }, { n: { $ne: 4 } }],
  ["$gt/$lt", { n: { $gt: 3, $lt: 5 } }, { n: { $gt: 3, $lt: 5 } }],
  ["$gte/$lte", { n: { $gte: 5, $lte: 5 } }, { n: { $gte: 5, $lte: 5 } }],
  ["$in", { members: { $in: ["%%user.id"] } }, { members: { $in: ["u1"] } }],
  ["%in", { "%%user.id": { "%in": "%%root.members" } }, { members: "u1" }],
  ["$nin", { members: { $nin: ["%%user.id"] } }, { members: { $nin: ["u1"] } }],
  ["$exists", { owner: { $exists: false } }, { owner: { $exists: false } }],
  ["$all", { members: { $all: ["%%user.id"] } }, { members: { $all: ["u1"] } }],
  ["$size", { tags: { $size: 2 } }, { tags: { $size: 2 } }],
  ["$type", { n: { $type: "string" } }, { n: { $type: "string" } }],
  ["$regex", { name: { $regex: "^al", $options: "i" } }, { name: { $regex: /^al/i } }],
  ["$mod", { n: { $mod: [2, 0] } }, { n: { $mod: [2, 0] } }],
  [
    "$elemMatch",
    { items: { $elemMatch: { by: "%%user.id", qty: { $gt: 1 } } } },
    { items: { $elemMatch: { by: "u1", qty: { $gt: 1 } } } },
  ],
  ["$not", { name: { $not: { $regex: "^a" } } }, { name: { $not: /^a/ } }],
  ["%stringToOid", { oid: { "%stringToOid": "%%user.custom_data.oid" } }, { oid: OID }],
  [
    "%or/%and/%nor",
    { "%or": [{ owner: "%%user.id" }, { "%and": [{ n: 5 }, { "%nor": [{ name: "x" }] }] }] },
    { $or: [{ owner: { $eq: "u1", $not: { $type: "array" } } }, { n: 5 }] },
  ],
];

function visibleIds(filter: unknown, custom: Record<string, unknown>, user = "u1") {
  const client = new MemoryClient();
  client
    .db("app")
    .collection("c")
    .documents.push(...DOCUMENTS.map((d) => ({ ...d })));
  const rules = defineAppRules({
    "mongodb-atlas": {
      collections: {
        "app.c": {
          roles: [
            { name: "r", apply_when: {}, document_filters: { read: filter, write: false }, read: true },
          ],
        },
      },
    },
  });
  const guard = createGuard({ rules, user: realmUser(user, { custom_data: custom }), client });
  return guard
    .collection("app", "c")
    .find({})
    .toArray()
    .then((found) => found.map((d) => d._id).sort());
}

describe("operators App Services accepts, each with its fail-closed proof", () => {
  for (const [operator, filter, control] of CASES) {
    it(`${operator}: loads, selects exactly what the query selects`, async () => {
      const expected = DOCUMENTS.filter((d) => new Query(control).test(d))
        .map((d) => d._id)
        .sort();
      expect(await visibleIds(filter, { oid: OID.toHexString() })).toEqual(expected);
    });
  }

  it("a missing user value selects nothing, whatever the operator", async () => {
    for (const [operator, filter] of CASES) {
      if (!JSON.stringify(filter).includes("%%user")) continue;
      expect(await visibleIds(filter, {}, "nobody-without-docs"), operator).toEqual(
        operator === "$nin" ? [1, 2, 3, 4] : operator.startsWith("%or") ? [2] : [],
      );
    }
    expect(await visibleIds({ oid: { "%stringToOid": "%%user.custom_data.missing" } }, {})).toEqual([]);
    expect(
      await visibleIds({ oid: { "%stringToOid": "%%user.custom_data.oid" } }, { oid: "not-hex" }),
    ).toEqual([]);
  });

  it("the filter of a MongoDB template app with $all loads and holds", async () => {
    expect(await visibleIds({ members: { $all: ["%%user.id"] } }, {}, "u2")).toEqual([1, 2]);
  });

  it("refuses what App Services would refuse, or the guard cannot evaluate, naming file, path and operator", () => {
    const refusals: [unknown, string, string][] = [
      [{ n: { $where: "1" } }, "roles[0].document_filters.read.n.$where", "$where"],
      [{ n: { $expr: {} } }, "roles[0].document_filters.read.n.$expr", "$expr"],
      [
        { "%%true": { "%function": { name: "f" } } },
        "roles[0].document_filters.read.%%true.%function",
        "%function",
      ],
      [
        { items: { $elemMatch: { $where: "1" } } },
        "roles[0].document_filters.read.items.$elemMatch.$where",
        "$where",
      ],
      [{ n: { $type: "nonsense" } }, "roles[0].document_filters.read.n.$type", "$type"],
      [{ n: { $mod: [0, 1] } }, "roles[0].document_filters.read.n.$mod", "$mod"],
      [{ name: { $regex: "a", $options: "g" } }, "roles[0].document_filters.read.name.$options", "$options"],
    ];
    for (const [filter, path, operator] of refusals) {
      let error: unknown;
      try {
        compileRulesFile(
          { roles: [{ name: "r", document_filters: { read: filter, write: false } }] },
          "app/c/rules.json",
        );
      } catch (caught) {
        error = caught;
      }
      expect(error, operator).toBeInstanceOf(RulesError);
      expect((error as RulesError).field, operator).toBe(path);
      expect((error as RulesError).message).toContain("app/c/rules.json");
      expect((error as RulesError).message).toContain(operator);
    }
  });
});
