import { type Collection, Decimal128, Double, Long, MongoClient, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createGuard,
  defineAppRules,
  type Guard,
  type MongoClientLike,
  type MongoCollectionLike,
} from "../src/index.js";
import { realmUser, seededClient, todoRulesFor } from "./fixtures.js";

// The real driver's types must fit the guard's interface; this line fails to compile if they drift.
const driverFits = (collection: Collection, client: MongoClient): [MongoCollectionLike, MongoClientLike] => [
  collection,
  client,
];

const uri = process.env.MONGODB_URI;
if (!uri) {
  console.log("MongoDB contract suite SKIPPED: MONGODB_URI is not set (the mingo-backed suites still ran).");
}

describe.skipIf(!uri)(
  `the guard through the real mongodb driver${uri ? "" : " (skipped: MONGODB_URI is not set)"}`,
  () => {
    let client: MongoClient;
    let guard: Guard;
    const database = `guard_contract_${process.pid}_${Date.now()}`;

    beforeAll(async () => {
      client = new MongoClient(uri ?? "");
      await client.connect();
      expect(driverFits).toBeTypeOf("function");
      const seed = seededClient();
      for (const name of ["items", "notes", "profiles"]) {
        await client
          .db(database)
          .collection(name)
          .insertMany(
            seed
              .db("todo")
              .collection(name)
              .documents.map((d) => ({ ...d })) as never[],
          );
      }
      guard = createGuard({ rules: todoRulesFor(database), user: realmUser("u1"), client });
    });

    afterAll(async () => {
      await client?.db(database).dropDatabase();
      await client?.close();
    });

    const items = () => guard.collection(database, "items");
    const notes = () => guard.collection(database, "notes");
    const profiles = () => guard.collection(database, "profiles");

    it("find, findOne, countDocuments and distinct see only what the role reads", async () => {
      expect((await items().find({}).toArray()).map((d) => d._id).sort()).toEqual([
        "item-u1-0",
        "item-u1-1",
        "item-u1-2",
      ]);
      expect(await items().findOne({ _id: "item-u2-0" })).toBeNull();
      expect(await notes().countDocuments({})).toBe(3);
      expect(await profiles().distinct("secret")).toEqual(["S-u1-profile"]);
      expect(await profiles().find({ owner_id: "u2" }).toArray()).toEqual([
        { owner_id: "u2", name: "Name u2" },
      ]);
    });

    it("inserts, updates, replaces and deletes only the user's documents", async () => {
      await expect(items().insertOne({ owner_id: "u2" })).rejects.toMatchObject({
        code: "PERMISSION_DENIED",
      });
      await items().insertOne({ _id: "item-u1-new", owner_id: "u1", n: 1 } as never);
      expect((await items().updateMany({}, { $inc: { n: 1 } })).matchedCount).toBe(4);
      await expect(
        items().updateOne({ _id: "item-u1-0" }, { $set: { owner_id: "u2" } }),
      ).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
      await expect(
        items().updateOne({ owner_id: "u3" }, { $set: { n: 1 } }, { upsert: true }),
      ).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
      expect(
        (await items().replaceOne({ _id: "item-u1-new" }, { owner_id: "u1", replaced: true })).modifiedCount,
      ).toBe(1);
      expect(
        await items().findOneAndUpdate(
          { _id: "item-u1-new" },
          { $set: { done: true } },
          { returnDocument: "after" },
        ),
      ).toMatchObject({ done: true });
      expect((await items().deleteMany({})).deletedCount).toBe(4);
      expect(await client.db(database).collection("items").countDocuments({})).toBe(6);
    });

    it("findOneAndReplace and findOneAndDelete reach only the user's documents and return what it reads", async () => {
      expect(
        await notes().findOneAndReplace(
          { _id: "note-u1-0" },
          { owner_id: "u1", text: "replaced" },
          { returnDocument: "after" },
        ),
      ).toEqual({ _id: "note-u1-0", owner_id: "u1", text: "replaced" });
      expect(await notes().findOneAndReplace({ _id: "note-u2-0" }, { owner_id: "u1" })).toBeNull();
      await expect(notes().findOneAndReplace({ _id: "note-u1-1" }, { owner_id: "u2" })).rejects.toMatchObject(
        { code: "PERMISSION_DENIED" },
      );
      await expect(
        notes().findOneAndReplace({ n: 42 }, { owner_id: "u3" }, { upsert: true }),
      ).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
      expect(
        await notes().findOneAndReplace(
          { _id: "note-u1-new", n: 42 },
          { owner_id: "u1", n: 7 },
          { upsert: true, returnDocument: "after" },
        ),
      ).toEqual({ _id: "note-u1-new", owner_id: "u1", n: 7 });
      expect(await notes().findOneAndDelete({ _id: "note-u2-1" })).toBeNull();
      expect(await notes().findOneAndDelete({}, { sort: { n: -1 }, projection: { n: 1 } })).toEqual({
        _id: "note-u1-new",
        n: 7,
      });
      expect(await profiles().findOneAndDelete({ _id: "profile-u2" })).toBeNull();
      const raw = client.db(database).collection("notes");
      expect(await raw.countDocuments({ owner_id: { $ne: "u1" } })).toBe(6);
      expect(await raw.findOne({ _id: "note-u1-1" as never })).toMatchObject({ owner_id: "u1" });
    });

    it("aggregate starts with the read filter and guards $lookup and $unionWith", async () => {
      const joined = await notes()
        .aggregate([{ $lookup: { from: "items", localField: "item", foreignField: "_id", as: "item" } }])
        .toArray();
      expect(JSON.stringify(joined)).not.toMatch(/S-u[23]/);
      const union = await notes()
        .aggregate([{ $unionWith: { coll: "items" } }, { $group: { _id: "$owner_id" } }])
        .toArray();
      expect(union).toEqual([{ _id: "u1" }]);
      await expect(
        notes()
          .aggregate([{ $out: "stolen" }])
          .toArray(),
      ).rejects.toMatchObject({ code: "OPERATION_REFUSED" });
    });

    describe("numeric BSON types and ObjectIds, where mingo and the server may disagree", () => {
      const levelRules = () =>
        defineAppRules({
          "mongodb-atlas": {
            collections: {
              [`${database}.levels`]: {
                roles: [
                  {
                    name: "owner",
                    apply_when: { owner_id: "%%user.id" },
                    document_filters: { read: true, write: { level: { $lt: 5 } } },
                    fields: {
                      _id: { read: true },
                      owner_id: { read: true },
                      level: { read: true, write: true },
                      n: { read: true, write: true },
                      score: { read: true, write: true },
                    },
                  },
                ],
              },
            },
          },
        });
      const levels = () =>
        createGuard({ rules: levelRules(), user: realmUser("u1"), client }).collection(database, "levels");
      const raw = () => client.db(database).collection("levels");
      const id = new ObjectId();

      beforeAll(async () => {
        await raw().insertMany([
          {
            _id: id,
            owner_id: "u1",
            level: new Long(3),
            n: new Double(1.5),
            score: Decimal128.fromString("2.5"),
            secret: "S-u1",
          },
          { _id: new ObjectId(), owner_id: "u2", level: 1, n: 1, secret: "S-u2" },
        ]);
      });

      it("the server's own comparison of Long with the write filter holds (direct path)", async () => {
        expect((await levels().updateOne({ _id: id }, { $set: { n: new Double(2) } })).matchedCount).toBe(1);
        expect(
          (await levels().updateOne({ _id: id }, { $inc: { score: Decimal128.fromString("1") } }))
            .matchedCount,
        ).toBe(1);
        expect(String((await raw().findOne({ _id: id }))?.score)).toBe("3.5");
      });

      it("refuses $max/$min/$inc with Long, Decimal128 or Double on a field the rules read", async () => {
        for (const update of [
          { $max: { level: new Long(9) } },
          { $min: { level: Decimal128.fromString("1") } },
          { $inc: { level: new Double(1) } },
          { $max: { level: 9 } },
        ]) {
          await expect(levels().updateOne({ _id: id }, update)).rejects.toMatchObject({
            code: "OPERATION_REFUSED",
          });
        }
        expect((await raw().findOne({ _id: id }))?.level).toEqual(new Long(3));
      });

      it("an ObjectId _id works in the per-document path, which stores exactly the checked document", async () => {
        expect(
          (await levels().updateOne({ _id: id }, { $set: { level: 4, owner_id: "u1" } })).modifiedCount,
        ).toBe(1);
        await expect(levels().updateOne({ _id: id }, { $set: { level: 9 } })).rejects.toMatchObject({
          code: "PERMISSION_DENIED",
        });
        expect(
          await levels().findOneAndUpdate(
            { _id: id },
            { $set: { level: 2, owner_id: "u1" } },
            { returnDocument: "after" },
          ),
        ).toMatchObject({ level: 2 });
        const stored = await raw().findOne({ _id: id });
        expect(stored?._id).toBeInstanceOf(ObjectId);
        expect(stored?.secret).toBe("S-u1");
      });

      it("answers the same whether or not a write repeats a hidden value", async () => {
        const same = await levels()
          .updateOne({ _id: id }, { $set: { owner_id: "u1", secret: "S-u1" } })
          .catch((error: { code: string }) => error.code);
        const different = await levels()
          .updateOne({ _id: id }, { $set: { owner_id: "u1", secret: "S-xx" } })
          .catch((error: { code: string }) => error.code);
        expect(same).toBe(different);
        expect((await raw().findOne({ _id: id }))?.secret).toBe("S-u1");
      });
    });
  },
);
