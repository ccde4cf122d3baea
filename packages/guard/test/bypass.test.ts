import { describe, expect, it } from "vitest";
import { createGuard, type Document, GuardError, type GuardedCollection } from "../src/index.js";
import { realmUser, seededClient, todoRules } from "./fixtures.js";

/** Runs an attempt as u1; it must be refused, or leave every other user's document untouched and unseen. */
type Collections = { items: GuardedCollection; notes: GuardedCollection; profiles: GuardedCollection };

async function attempt(run: (collections: Collections) => Promise<unknown>) {
  const client = seededClient();
  const raw = (name: string) => client.db("todo").collection(name).documents;
  const othersBefore = JSON.stringify(
    ["items", "notes", "profiles"].map((name) => raw(name).filter((d) => d.owner_id !== "u1")),
  );
  const guard = createGuard({ rules: todoRules, user: realmUser("u1"), client });
  let outcome: unknown;
  let refusal: string | undefined;
  try {
    outcome = await run(collections(guard));
  } catch (error) {
    if (!(error instanceof GuardError)) throw error;
    refusal = error.code;
  }
  const othersAfter = JSON.stringify(
    ["items", "notes", "profiles"].map((name) => raw(name).filter((d) => d.owner_id !== "u1")),
  );
  const strangers = ["items", "notes", "profiles"]
    .flatMap((name) => raw(name))
    .filter((d) => !["u1", "u2", "u3"].includes(String(d.owner_id)));
  return {
    refusal,
    leaked: /S-u[23]/.test(JSON.stringify(outcome) ?? ""),
    othersChanged: othersBefore !== othersAfter,
    strangers,
  };
}

function collections(guard: ReturnType<typeof createGuard>): Collections {
  return {
    items: guard.collection("todo", "items"),
    notes: guard.collection("todo", "notes"),
    profiles: guard.collection("todo", "profiles"),
  };
}

const json = (text: string): Document => JSON.parse(text);

const attempts: [string, Parameters<typeof attempt>[0]][] = [
  [
    "an operator smuggled in a value",
    ({ items }) => items.find({ owner_id: json('{"$ne": "nobody"}') }).toArray(),
  ],
  [
    "an operator smuggled inside $eq",
    ({ items }) => items.find({ owner_id: { $eq: json('{"$ne": null}') } }).toArray(),
  ],
  [
    "an operator smuggled into an inserted document",
    ({ notes }) => notes.insertOne({ owner_id: "u1", x: json('{"$gt": ""}') }),
  ],
  [
    "$or naming another owner",
    ({ items }) => items.find({ $or: [{ owner_id: "u2" }, { owner_id: "u1" }] }).toArray(),
  ],
  ["$nor to invert the owner", ({ notes }) => notes.find({ $nor: [{ owner_id: "u1" }] }).toArray()],
  ["$expr comparing fields", ({ items }) => items.find({ $expr: { $ne: ["$owner_id", "u1"] } }).toArray()],
  ["$where JavaScript", ({ items }) => items.find({ $where: "this.owner_id != 'u1'" }).toArray()],
  [
    "$function in $expr",
    ({ items }) =>
      items.find({ $expr: { $function: { body: "return true", args: [], lang: "js" } } }).toArray(),
  ],
  ["$jsonSchema", ({ items }) => items.find({ $jsonSchema: {} }).toArray()],
  ["an update setting the owner field", ({ items }) => items.updateMany({}, { $set: { owner_id: "u2" } })],
  [
    "an update renaming the owner field",
    ({ items }) => items.updateMany({}, { $rename: { owner_id: "was_owner" } }),
  ],
  [
    "an update of another user's document by _id",
    ({ notes }) => notes.updateOne({ _id: "note-u2-0" }, { $set: { secret: "mine" } }),
  ],
  [
    "a pipeline-style update",
    ({ items }) => items.updateMany({}, [{ $set: { owner_id: "u2" } }] as unknown as Document),
  ],
  [
    "an upsert owned by someone else",
    ({ items }) =>
      items.updateOne({ owner_id: "u2", title: "planted" }, { $set: { n: 1 } }, { upsert: true }),
  ],
  [
    "an upsert whose $setOnInsert names another owner",
    ({ notes }) => notes.updateOne({ n: 42 }, { $setOnInsert: { owner_id: "u3" } }, { upsert: true }),
  ],
  [
    "an upsert onto another user's _id",
    ({ items }) =>
      items
        .updateOne({ _id: "item-u2-0" }, { $set: { owner_id: "u1" } }, { upsert: true })
        .catch((e: unknown) => {
          if ((e as { code?: number }).code === 11000) return "duplicate";
          throw e;
        }),
  ],
  [
    "a replacement owned by someone else",
    ({ items }) => items.replaceOne({ _id: "item-u1-0" }, { owner_id: "u3" }),
  ],
  ["a delete of another user's documents", ({ items }) => items.deleteMany({ owner_id: "u2" })],
  [
    "$lookup into another user's data",
    ({ notes }) => notes.aggregate([{ $lookup: { from: "items", pipeline: [], as: "all" } }]).toArray(),
  ],
  [
    "$lookup with a pipeline that drops the owner",
    ({ notes }) =>
      notes
        .aggregate([{ $lookup: { from: "notes", pipeline: [{ $match: { owner_id: "u2" } }], as: "x" } }])
        .toArray(),
  ],
  [
    "$unionWith another collection",
    ({ items }) => items.aggregate([{ $unionWith: { coll: "notes" } }]).toArray(),
  ],
  [
    "$facet with a nested $lookup",
    ({ items }) =>
      items.aggregate([{ $facet: { a: [{ $lookup: { from: "notes", pipeline: [], as: "n" } }] } }]).toArray(),
  ],
  ["$out to another collection", ({ items }) => items.aggregate([{ $out: "items" }]).toArray()],
  [
    "$merge into another collection",
    ({ items }) => items.aggregate([{ $merge: { into: "notes" } }]).toArray(),
  ],
  [
    "$documents to invent rows",
    ({ items }) => items.aggregate([{ $documents: [{ owner_id: "u2" }] }]).toArray(),
  ],
  [
    "a __proto__ key in a filter",
    ({ items }) => items.find(json('{"__proto__": {"owner_id": "u2"}}')).toArray(),
  ],
  [
    "a __proto__ key in a document",
    ({ notes }) => notes.insertOne(json('{"owner_id": "u1", "__proto__": {"owner_id": "u2"}}')),
  ],
  [
    "a constructor key in an update",
    ({ items }) => items.updateOne({}, { $set: { "constructor.prototype.owner_id": "u2" } }),
  ],
  ["a prototype key in a pipeline", ({ items }) => items.aggregate([{ $set: { prototype: 1 } }]).toArray()],
  ["a $-prefixed field name in a document", ({ notes }) => notes.insertOne({ owner_id: "u1", $where: "1" })],
  ["a dotted field name in a document", ({ notes }) => notes.insertOne({ owner_id: "u1", "owner_id.x": 1 })],
  [
    "a projection that renames a field",
    ({ profiles }) => profiles.find({}, { projection: { alias: "$secret" } as never }).toArray(),
  ],
  [
    "sorting by a field it cannot read",
    ({ profiles }) => profiles.find({}, { sort: { secret: 1 } }).toArray(),
  ],
  ["a distinct over an unreadable field", ({ profiles }) => profiles.distinct("secret")],
  [
    "an aggregate over per-document field permissions",
    ({ profiles }) => profiles.aggregate([{ $project: { secret: 1 } }]).toArray(),
  ],
  [
    "a system collection",
    async () =>
      createGuard({
        rules: (await import("./fixtures.js")).todoRules,
        user: realmUser("u1"),
        client: seededClient(),
      })
        .collection("todo", "system.users")
        .find({})
        .toArray(),
  ],
  [
    "findOneAndReplace handing a document to someone else",
    ({ items }) => items.findOneAndReplace({ _id: "item-u1-0" }, { owner_id: "u2", title: "gift" }),
  ],
  [
    "findOneAndReplace with an upsert owned by someone else",
    ({ notes }) => notes.findOneAndReplace({ n: 42 }, { owner_id: "u3" }, { upsert: true }),
  ],
  [
    "findOneAndReplace with an update document",
    ({ items }) => items.findOneAndReplace({ _id: "item-u1-0" }, { $set: { owner_id: "u2" } }),
  ],
  [
    "findOneAndDelete with a let variable",
    ({ items }) => items.findOneAndDelete({}, { let: { owner: "u2" } } as never),
  ],
  [
    "findOneAndDelete asking for the driver's result metadata",
    ({ items }) => items.findOneAndDelete({}, { includeResultMetadata: true } as never),
  ],
  [
    "findOneAndDelete with $expr",
    ({ notes }) => notes.findOneAndDelete({ $expr: { $ne: ["$owner_id", "u1"] } }),
  ],
  ["bulkWrite", ({ items }) => items.bulkWrite()],
  ["watch", async ({ items }) => items.watch()],
  [
    "findOneAndDelete with $or naming another owner",
    ({ items }) => items.findOneAndDelete({ $or: [{ owner_id: "u2" }, { owner_id: "u3" }] }),
  ],
  [
    "findOneAndDelete sorting by a field it cannot read",
    ({ profiles }) => profiles.findOneAndDelete({}, { sort: { secret: -1 } }),
  ],
  [
    "findOneAndReplace of another user's document by _id",
    ({ notes }) =>
      notes.findOneAndReplace({ _id: "note-u2-0" }, { owner_id: "u1" }, { returnDocument: "after" }),
  ],
  [
    "findOneAndReplace upserting onto another user's _id",
    ({ items }) =>
      items
        .findOneAndReplace({ _id: "item-u2-0" }, { owner_id: "u1" }, { upsert: true })
        .catch((e: unknown) => {
          if ((e as { code?: number }).code === 11000) return "duplicate";
          throw e;
        }),
  ],
];

describe("known bypass attempts are refused or harmless", () => {
  for (const [name, run] of attempts) {
    it(`${name}`, async () => {
      const result = await attempt(run);
      expect(result.leaked).toBe(false);
      expect(result.othersChanged).toBe(false);
      expect(result.strangers).toEqual([]);
    });
  }

  it("refuses (rather than rewrites) the operators that could run code or write elsewhere", async () => {
    for (const index of [
      1, 2, 5, 6, 7, 8, 9, 10, 12, 13, 14, 16, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 36, 37, 38, 39, 40, 41,
      42, 43,
    ]) {
      const [name, run] = attempts[index]!;
      expect((await attempt(run)).refusal, name).toBeDefined();
    }
  });
});
