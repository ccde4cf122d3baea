import { describe, expect, it } from "vitest";
import { createGuard, type Document, defineAppRules } from "../src/index.js";
import { MemoryClient } from "../src/memory.js";
import { guardErrorCode, realmUser, seededClient, todoRules } from "./fixtures.js";

/** One collection `app.<name>` under `collectionRules`, holding `documents`, guarded for `user`. */
function guardedCollection(
  name: string,
  collectionRules: Record<string, unknown>,
  documents: Document[],
  user = realmUser("u1"),
) {
  const rules = defineAppRules({ "mongodb-atlas": { collections: { [`app.${name}`]: collectionRules } } });
  const client = new MemoryClient();
  const stored = client.db("app").collection(name).documents;
  stored.push(...documents);
  return { stored, collection: createGuard({ rules, user, client }).collection("app", name) };
}

/** Orders anyone may read and write, narrowed to the user's own by a filter that hides `internal`. */
const ORDERS_MINE_ONLY = {
  roles: [{ name: "all", apply_when: {}, read: true, write: true }],
  filters: [{ name: "mine", apply_when: {}, query: { customer: "%%user.id" }, projection: { internal: 0 } }],
};

function setup(userId = "u1") {
  const client = seededClient();
  const guard = createGuard({ rules: todoRules, user: realmUser(userId), client });
  const raw = (name: string) => client.db("todo").collection(name).documents;
  return {
    client,
    guard,
    raw,
    items: guard.collection("todo", "items"),
    notes: guard.collection("todo", "notes"),
    profiles: guard.collection("todo", "profiles"),
  };
}

describe("reads", () => {
  it("find returns only the user's own documents when the role is chosen by %%root", async () => {
    const { items } = setup();
    const found = await items.find({}).toArray();
    expect(found.map((d) => d._id).sort()).toEqual(["item-u1-0", "item-u1-1", "item-u1-2"]);
  });

  it("find narrows by document_filters.read with a single role", async () => {
    const { notes } = setup("u2");
    const found = await notes.find({ n: { $gte: 1 } }, { sort: { n: -1 }, limit: 5 }).toArray();
    expect(found.map((d) => d._id)).toEqual(["note-u2-2", "note-u2-1"]);
  });

  it("find shows other users' profiles with only the fields the public role may read", async () => {
    const { profiles } = setup();
    const found = await profiles.find({}, { sort: { owner_id: 1 } }).toArray();
    expect(found[0]).toMatchObject({ _id: "profile-u1", secret: "S-u1-profile" });
    expect(found[1]).toEqual({ owner_id: "u2", name: "Name u2" });
    expect(found[2]).toEqual({ owner_id: "u3", name: "Name u3" });
  });

  it("find applies the caller's projection after the role's", async () => {
    const { profiles } = setup();
    const found = await profiles
      .find({}, { projection: { name: 1, secret: 1 }, sort: { owner_id: 1 } })
      .toArray();
    expect(found).toEqual([
      { _id: "profile-u1", name: "Name u1", secret: "S-u1-profile" },
      { name: "Name u2" },
      { name: "Name u3" },
    ]);
  });

  it("a filter on a field the role cannot read matches only documents where it can", async () => {
    const { profiles } = setup();
    const found = await profiles.find({ secret: { $exists: true } }).toArray();
    expect(found.map((d) => d.owner_id)).toEqual(["u1"]);
  });

  it("findOne cannot reach another user's document by _id", async () => {
    const { items } = setup();
    expect(await items.findOne({ _id: "item-u2-0" })).toBeNull();
    expect(await items.findOne({ _id: "item-u1-0" })).toMatchObject({ owner_id: "u1" });
  });

  it("countDocuments counts only readable documents", async () => {
    const { items, notes } = setup();
    expect(await items.countDocuments({})).toBe(3);
    expect(await notes.countDocuments({ owner_id: "u2" })).toBe(0);
  });

  it("distinct takes values only from documents whose role can read the field", async () => {
    const { profiles, items } = setup();
    expect(await profiles.distinct("secret")).toEqual(["S-u1-profile"]);
    expect((await profiles.distinct("name")).sort()).toEqual(["Name u1", "Name u2", "Name u3"]);
    expect((await items.distinct("owner_id")).sort()).toEqual(["u1"]);
  });
});

describe("inserts", () => {
  it("insertOne stores a document the user owns", async () => {
    const { items, raw } = setup();
    const { insertedId } = await items.insertOne({ owner_id: "u1", title: "new" });
    expect(raw("items").find((d) => d._id === insertedId)).toMatchObject({ owner_id: "u1", title: "new" });
  });

  it("insertOne refuses a document owned by someone else, or by nobody", async () => {
    const { items, raw } = setup();
    expect(await guardErrorCode(items.insertOne({ owner_id: "u2", title: "forged" }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(await guardErrorCode(items.insertOne({ title: "ownerless" }))).toBe("PERMISSION_DENIED");
    expect(raw("items")).toHaveLength(9);
  });

  it("insertOne refuses where the role's insert is false", async () => {
    const { profiles } = setup();
    expect(await guardErrorCode(profiles.insertOne({ owner_id: "u9", name: "x" }))).toBe("PERMISSION_DENIED");
  });

  it("insertMany inserts nothing when one document is forged", async () => {
    const { notes, raw } = setup();
    const attempt = notes.insertMany([{ owner_id: "u1" }, { owner_id: "u3" }]);
    expect(await guardErrorCode(attempt)).toBe("PERMISSION_DENIED");
    expect(raw("notes")).toHaveLength(9);
    expect((await notes.insertMany([{ owner_id: "u1" }, { owner_id: "u1" }])).insertedCount).toBe(2);
  });
});

describe("updates", () => {
  it("updateMany changes only the user's own documents", async () => {
    const { items, raw } = setup();
    const result = await items.updateMany({}, { $set: { title: "done" } });
    expect(result.matchedCount).toBe(3);
    expect(
      raw("items")
        .filter((d) => d.title === "done")
        .every((d) => d.owner_id === "u1"),
    ).toBe(true);
  });

  it("updateOne cannot reach another user's document", async () => {
    const { notes, raw } = setup();
    const result = await notes.updateOne({ _id: "note-u2-0" }, { $set: { n: 99 } });
    expect(result.matchedCount).toBe(0);
    expect(raw("notes").find((d) => d._id === "note-u2-0")?.n).toBe(0);
  });

  it("an update that hands a document to another user is refused and changes nothing", async () => {
    const { items, raw } = setup();
    expect(await guardErrorCode(items.updateOne({ _id: "item-u1-0" }, { $set: { owner_id: "u2" } }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(await guardErrorCode(items.updateMany({}, { $unset: { owner_id: "" } }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(raw("items").filter((d) => d.owner_id === "u1")).toHaveLength(3);
  });

  it("an update touching the owner field but keeping it is allowed, checked document by document", async () => {
    const { items, raw } = setup();
    const result = await items.updateOne({ _id: "item-u1-1" }, { $set: { owner_id: "u1", title: "kept" } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(raw("items").find((d) => d._id === "item-u1-1")?.title).toBe("kept");
  });

  it("another user's profile cannot be written through the read-only public role", async () => {
    const { profiles, raw } = setup();
    expect((await profiles.updateOne({ _id: "profile-u2" }, { $set: { name: "hacked" } })).matchedCount).toBe(
      0,
    );
    expect(raw("profiles").find((d) => d._id === "profile-u2")?.name).toBe("Name u2");
  });

  it("an upsert creates the user's own document", async () => {
    const { items, raw } = setup();
    const result = await items.updateOne(
      { owner_id: "u1", title: "fresh" },
      { $set: { n: 7 } },
      { upsert: true },
    );
    expect(result.upsertedCount).toBe(1);
    expect(raw("items").find((d) => d.title === "fresh")).toMatchObject({ owner_id: "u1", n: 7 });
  });

  it("an upsert that would create someone else's document is refused", async () => {
    const { items, raw } = setup();
    expect(
      await guardErrorCode(
        items.updateOne({ owner_id: "u2", title: "x" }, { $set: { n: 1 } }, { upsert: true }),
      ),
    ).toBe("PERMISSION_DENIED");
    expect(
      await guardErrorCode(
        items.updateOne({ title: "x" }, { $setOnInsert: { owner_id: "u3" } }, { upsert: true }),
      ),
    ).toBe("PERMISSION_DENIED");
    expect(raw("items")).toHaveLength(9);
  });

  it("an upsert that finds the user's document leaves $setOnInsert unapplied", async () => {
    const { items, raw } = setup();
    const result = await items.updateOne(
      { _id: "item-u1-0" },
      { $setOnInsert: { owner_id: "u1", n: 99 } },
      { upsert: true },
    );
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 0, upsertedCount: 0 });
    expect(raw("items").find((d) => d._id === "item-u1-0")?.n).toBe(0);
  });

  it("findOneAndUpdate returns the document after the change", async () => {
    const { items } = setup();
    const after = await items.findOneAndUpdate(
      { _id: "item-u1-2" },
      { $inc: { n: 10 } },
      { returnDocument: "after" },
    );
    expect(after).toMatchObject({ _id: "item-u1-2", n: 12 });
    expect(await items.findOneAndUpdate({ _id: "item-u2-2" }, { $inc: { n: 10 } })).toBeNull();
  });

  it("replaceOne replaces the user's document and refuses a replacement owned by another", async () => {
    const { items, raw } = setup();
    const result = await items.replaceOne({ _id: "item-u1-0" }, { owner_id: "u1", title: "replaced" });
    expect(result.modifiedCount).toBe(1);
    expect(raw("items").find((d) => d._id === "item-u1-0")).toEqual({
      _id: "item-u1-0",
      owner_id: "u1",
      title: "replaced",
    });
    expect(await guardErrorCode(items.replaceOne({ _id: "item-u1-1" }, { owner_id: "u2" }))).toBe(
      "PERMISSION_DENIED",
    );
    expect((await items.replaceOne({ _id: "item-u3-1" }, { owner_id: "u1" })).matchedCount).toBe(0);
  });
});

describe("findOneAndDelete", () => {
  it("deletes the user's first document in sort order and returns it", async () => {
    const { items, raw } = setup();
    expect(await items.findOneAndDelete({}, { sort: { n: -1 } })).toMatchObject({
      _id: "item-u1-2",
      secret: "S-u1-item-2",
    });
    expect(raw("items").map((d) => d._id)).not.toContain("item-u1-2");
    expect(raw("items")).toHaveLength(8);
  });

  it("cannot delete or read another user's document, whatever the filter says", async () => {
    const { items, notes, raw } = setup();
    expect(await items.findOneAndDelete({ _id: "item-u2-0" })).toBeNull();
    expect(await notes.findOneAndDelete({ $or: [{ owner_id: "u3" }] })).toBeNull();
    expect(await notes.findOneAndDelete({ owner_id: { $ne: "u1" } })).toBeNull();
    expect(raw("items")).toHaveLength(9);
    expect(raw("notes")).toHaveLength(9);
  });

  it("cannot delete a document the role only reads", async () => {
    const { profiles, raw } = setup();
    expect(await profiles.findOneAndDelete({ _id: "profile-u2" })).toBeNull();
    expect(raw("profiles")).toHaveLength(3);
    expect(await profiles.findOneAndDelete({ owner_id: "u1" })).toMatchObject({ secret: "S-u1-profile" });
    expect(raw("profiles").map((d) => d.owner_id)).toEqual(["u2", "u3"]);
  });

  it("applies the caller's projection to the returned document", async () => {
    const { items } = setup();
    expect(await items.findOneAndDelete({ _id: "item-u1-0" }, { projection: { title: 1 } })).toEqual({
      _id: "item-u1-0",
      title: "t0",
    });
  });

  it("refuses options it cannot prove safe and deletes nothing", async () => {
    const { items, raw } = setup();
    for (const options of [
      { includeResultMetadata: true },
      { let: { owner: "u2" } },
      { hint: { owner_id: 1 } },
      { collation: { locale: "en" } },
      { projection: { alias: "$secret" } },
      { sort: { n: "desc" } },
    ]) {
      expect(
        await guardErrorCode(items.findOneAndDelete({}, options as never)),
        JSON.stringify(options),
      ).toBe("OPERATION_REFUSED");
    }
    expect(await guardErrorCode(items.findOneAndDelete({ $where: "true" }))).toBe("OPERATION_REFUSED");
    expect(raw("items")).toHaveLength(9);
  });
});

describe("findOneAndReplace", () => {
  it("replaces the user's document and returns it before or after", async () => {
    const { items, raw } = setup();
    expect(
      await items.findOneAndReplace({ _id: "item-u1-0" }, { owner_id: "u1", title: "r1" }),
    ).toMatchObject({ _id: "item-u1-0", title: "t0", secret: "S-u1-item-0" });
    expect(
      await items.findOneAndReplace(
        { title: "r1" },
        { owner_id: "u1", title: "r2" },
        { returnDocument: "after" },
      ),
    ).toEqual({ _id: "item-u1-0", owner_id: "u1", title: "r2" });
    expect(raw("items").find((d) => d._id === "item-u1-0")).toEqual({
      _id: "item-u1-0",
      owner_id: "u1",
      title: "r2",
    });
  });

  it("picks the first match in sort order", async () => {
    const { notes, raw } = setup("u2");
    const before = await notes.findOneAndReplace({}, { owner_id: "u2", n: 10 }, { sort: { n: -1 } });
    expect(before?._id).toBe("note-u2-2");
    expect(raw("notes").find((d) => d._id === "note-u2-2")).toEqual({
      _id: "note-u2-2",
      owner_id: "u2",
      n: 10,
    });
  });

  it("cannot reach another user's document", async () => {
    const { items, notes, raw } = setup();
    const stored = JSON.stringify(raw("items")) + JSON.stringify(raw("notes"));
    expect(await items.findOneAndReplace({ _id: "item-u2-0" }, { owner_id: "u1" })).toBeNull();
    expect(
      await notes.findOneAndReplace(
        { $or: [{ owner_id: "u3" }] },
        { owner_id: "u1" },
        { returnDocument: "after" },
      ),
    ).toBeNull();
    expect(JSON.stringify(raw("items")) + JSON.stringify(raw("notes"))).toBe(stored);
  });

  it("refuses a replacement that forges or drops the owner field, and changes nothing", async () => {
    const { items, notes, raw } = setup();
    const stored = JSON.stringify(raw("items")) + JSON.stringify(raw("notes"));
    expect(await guardErrorCode(items.findOneAndReplace({ _id: "item-u1-1" }, { owner_id: "u2" }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(await guardErrorCode(items.findOneAndReplace({ _id: "item-u1-1" }, { title: "orphan" }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(await guardErrorCode(notes.findOneAndReplace({ _id: "note-u1-1" }, { owner_id: ["u3"] }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(JSON.stringify(raw("items")) + JSON.stringify(raw("notes"))).toBe(stored);
  });

  it("an upsert creates the user's own document from the replacement and the filter's _id only", async () => {
    const { items, raw } = setup();
    const created = await items.findOneAndReplace(
      { _id: "item-u1-new", title: "from filter" },
      { owner_id: "u1", n: 5 },
      { upsert: true, returnDocument: "after" },
    );
    expect(created).toEqual({ _id: "item-u1-new", owner_id: "u1", n: 5 });
    expect(raw("items").find((d) => d._id === "item-u1-new")).toEqual(created);
    expect(
      await items.findOneAndReplace({ title: "nothing" }, { owner_id: "u1", n: 6 }, { upsert: true }),
    ).toBeNull();
    expect(raw("items").filter((d) => d.n === 6)).toHaveLength(1);
  });

  it("an upsert that would create someone else's document is refused", async () => {
    const { items, raw } = setup();
    expect(
      await guardErrorCode(items.findOneAndReplace({ title: "x" }, { owner_id: "u2" }, { upsert: true })),
    ).toBe("PERMISSION_DENIED");
    expect(
      await guardErrorCode(
        items.findOneAndReplace({ owner_id: "u2", title: "x" }, { title: "x" }, { upsert: true }),
      ),
    ).toBe("PERMISSION_DENIED");
    expect(raw("items")).toHaveLength(9);
  });

  it("refuses changing _id, update documents, pipelines and unknown options", async () => {
    const { items, raw } = setup();
    const stored = JSON.stringify(raw("items"));
    const attempts: Promise<unknown>[] = [
      items.findOneAndReplace({ _id: "item-u1-0" }, { _id: "item-u2-0", owner_id: "u1" }),
      items.findOneAndReplace({ _id: "a" }, { _id: "b", owner_id: "u1" }, { upsert: true }),
      items.findOneAndReplace({ _id: "item-u1-0" }, { $set: { owner_id: "u1" } }),
      items.findOneAndReplace({ _id: "item-u1-0" }, [{ $set: { owner_id: "u1" } }] as never),
      items.findOneAndReplace({ _id: "item-u1-0" }, { owner_id: "u1", x: { $gt: "" } }),
      items.findOneAndReplace({ _id: "item-u1-0" }, { owner_id: "u1" }, { returnDocument: "later" } as never),
      items.findOneAndReplace({ _id: "item-u1-0" }, { owner_id: "u1" }, {
        includeResultMetadata: true,
      } as never),
      items.findOneAndReplace({ _id: "item-u1-0" }, { owner_id: "u1" }, { let: { a: 1 } } as never),
      items.findOneAndReplace({ _id: "item-u1-0" }, { owner_id: "u1" }, { hint: "_id_" } as never),
      items.findOneAndReplace({ _id: "item-u1-0" }, { owner_id: "u1" }, {
        bypassDocumentValidation: true,
      } as never),
    ];
    for (const [index, attempt] of attempts.entries())
      expect(await guardErrorCode(attempt), `attempt ${index}`).toBe("OPERATION_REFUSED");
    expect(JSON.stringify(raw("items"))).toBe(stored);
  });

  it("returns only the fields the role may read, and checks field write permissions", async () => {
    const { stored, collection: posts } = guardedCollection(
      "posts",
      {
        roles: [
          { name: "author", apply_when: { author: "%%user.id" }, read: true, write: true },
          { name: "liker", apply_when: {}, fields: { title: { read: true }, likes: { write: true } } },
        ],
      },
      [{ _id: 1, author: "u2", title: "T", likes: 0, draft: "secret" }],
    );
    // A replacement declares every field: the liker cannot write author, title or draft, so it is
    // refused whether or not it repeats their stored values (no guessing oracle on draft).
    const liked = { author: "u2", title: "T", likes: 1, draft: "secret" };
    expect(await guardErrorCode(posts.findOneAndReplace({ title: "T" }, liked))).toBe("PERMISSION_DENIED");
    expect(await guardErrorCode(posts.findOneAndReplace({ title: "T" }, { ...liked, draft: "guess" }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(
      await posts.findOneAndUpdate({ title: "T" }, { $set: { likes: 2 } }, { returnDocument: "after" }),
    ).toEqual({
      title: "T",
      likes: 2,
    });
    expect(
      await guardErrorCode(posts.findOneAndReplace({ title: "T" }, { ...liked, title: "hijacked" })),
    ).toBe("PERMISSION_DENIED");
    expect(await posts.findOneAndDelete({ title: "T" })).toBeNull();
    expect(stored).toEqual([{ _id: 1, author: "u2", title: "T", likes: 2, draft: "secret" }]);
  });

  it("a filter's projection hides fields from the returned documents", async () => {
    const { stored, collection: orders } = guardedCollection("orders", ORDERS_MINE_ONLY, [
      { _id: 1, customer: "u1", internal: "x" },
      { _id: 2, customer: "u2", internal: "y" },
    ]);
    expect(
      await orders.findOneAndReplace({}, { customer: "u1", internal: "z" }, { returnDocument: "after" }),
    ).toEqual({ _id: 1, customer: "u1" });
    expect(await orders.findOneAndDelete({})).toEqual({ _id: 1, customer: "u1" });
    expect(await orders.findOneAndDelete({})).toBeNull();
    expect(stored).toEqual([{ _id: 2, customer: "u2", internal: "y" }]);
  });
});

describe("deletes", () => {
  it("deleteMany removes only the user's own documents", async () => {
    const { notes, raw } = setup();
    expect((await notes.deleteMany({})).deletedCount).toBe(3);
    expect(
      raw("notes")
        .map((d) => d.owner_id)
        .sort(),
    ).toEqual(["u2", "u2", "u2", "u3", "u3", "u3"]);
  });

  it("deleteOne cannot delete another user's document, nor one the role only reads", async () => {
    const { items, profiles, raw } = setup();
    expect((await items.deleteOne({ _id: "item-u3-0" })).deletedCount).toBe(0);
    expect((await profiles.deleteOne({ _id: "profile-u2" })).deletedCount).toBe(0);
    expect(raw("items")).toHaveLength(9);
    expect(raw("profiles")).toHaveLength(3);
  });
});

describe("aggregate", () => {
  it("starts with the read filter and joins only readable documents through $lookup", async () => {
    const { notes, raw } = setup();
    raw("items").push({ _id: "shared", owner_id: "u2", secret: "S-u2-shared" });
    raw("notes").push({ _id: "n-x", owner_id: "u1", item: "shared" });
    const joined = await notes
      .aggregate([{ $lookup: { from: "items", localField: "item", foreignField: "_id", as: "item" } }])
      .toArray();
    expect(joined).toHaveLength(4);
    expect(JSON.stringify(joined)).not.toContain("S-u2");
    expect(joined.find((d) => d._id === "n-x")?.item).toEqual([]);
  });

  it("groups over the user's documents only", async () => {
    const { items } = setup();
    const grouped = await items
      .aggregate([{ $group: { _id: "$owner_id", total: { $sum: "$n" } } }])
      .toArray();
    expect(grouped).toEqual([{ _id: "u1", total: 3 }]);
  });

  it("$unionWith and $graphLookup read the other collection through its rules", async () => {
    const { items } = setup("u3");
    const union = await items
      .aggregate([
        { $project: { owner_id: 1 } },
        { $unionWith: { coll: "notes", pipeline: [{ $project: { owner_id: 1 } }] } },
      ])
      .toArray();
    expect(union.every((d) => d.owner_id === "u3")).toBe(true);
    expect(union).toHaveLength(6);
    const graph = await items
      .aggregate([
        {
          $graphLookup: {
            from: "notes",
            startWith: "$_id",
            connectFromField: "item",
            connectToField: "item",
            as: "g",
          },
        },
      ])
      .toArray();
    expect(JSON.stringify(graph)).not.toMatch(/S-u[12]/);
  });

  it("projects out fields a role cannot read when the permissions are the same for every document", async () => {
    const rules = defineAppRules({
      "mongodb-atlas": {
        collections: {
          "hr.staff": { roles: [{ name: "all", apply_when: {}, fields: { name: { read: true } } }] },
        },
      },
    });
    const client = new MemoryClient();
    client.db("hr").collection("staff").documents.push({ _id: 1, name: "A", salary: 10 });
    const guard = createGuard({ rules, user: realmUser("u1"), client });
    expect(
      await guard
        .collection("hr", "staff")
        .aggregate([{ $group: { _id: null, s: { $sum: "$salary" } } }])
        .toArray(),
    ).toEqual([{ _id: null, s: 0 }]);
  });

  it("refuses $out, $merge, $function, $where and $accumulator", async () => {
    const { items } = setup();
    const pipelines = [
      [{ $out: "stolen" }],
      [{ $merge: { into: "stolen" } }],
      [{ $match: { $expr: { $function: { body: "return true", args: [], lang: "js" } } } }],
      [{ $match: { $where: "true" } }],
      [
        {
          $group: {
            _id: null,
            x: {
              $accumulator: {
                init: "function(){}",
                accumulate: "",
                accumulateArgs: [],
                merge: "",
                lang: "js",
              },
            },
          },
        },
      ],
      [{ $collStats: {} }],
    ];
    for (const pipeline of pipelines)
      expect(await guardErrorCode(items.aggregate(pipeline).toArray())).toBe("OPERATION_REFUSED");
  });

  it("refuses an aggregation over a collection whose field permissions differ per document", async () => {
    const { profiles } = setup();
    expect(await guardErrorCode(profiles.aggregate([]).toArray())).toBe("OPERATION_REFUSED");
  });
});

describe("role selection", () => {
  it("evaluates roles in order and the first that applies wins", async () => {
    const rules = defineAppRules({
      "mongodb-atlas": {
        collections: {
          "app.docs": {
            roles: [
              { name: "admin", apply_when: { "%%user.data.groups": "admin" }, read: true, write: true },
              { name: "reader", apply_when: {}, read: true, write: false },
            ],
          },
        },
      },
    });
    const client = new MemoryClient();
    client.db("app").collection("docs").documents.push({ _id: 1, v: 1 });
    const admin = createGuard({ rules, user: realmUser("a", { data: { groups: ["admin"] } }), client });
    const reader = createGuard({ rules, user: realmUser("r"), client });
    expect((await reader.collection("app", "docs").updateOne({}, { $set: { v: 2 } })).matchedCount).toBe(0);
    expect((await admin.collection("app", "docs").updateOne({}, { $set: { v: 3 } })).matchedCount).toBe(1);
    expect(await reader.collection("app", "docs").findOne({})).toEqual({ _id: 1, v: 3 });
  });

  it("denies everything when no role applies", async () => {
    const rules = defineAppRules({
      "mongodb-atlas": {
        collections: {
          "app.docs": {
            roles: [{ name: "staff", apply_when: { "%%user.data.groups": "staff" }, read: true }],
          },
        },
      },
    });
    const client = new MemoryClient();
    client.db("app").collection("docs").documents.push({ _id: 1 });
    const guard = createGuard({ rules, user: realmUser("x"), client });
    expect(await guard.collection("app", "docs").find({}).toArray()).toEqual([]);
    expect(await guardErrorCode(guard.collection("app", "docs").insertOne({ a: 1 }))).toBe(
      "PERMISSION_DENIED",
    );
  });

  it("a write rule on %%prevRoot lets the user create documents and keeps others' documents read-only", async () => {
    const rules = defineAppRules({
      "mongodb-atlas": {
        collections: {
          "app.posts": {
            roles: [
              {
                name: "author",
                apply_when: {},
                read: true,
                write: {
                  "%or": [{ "%%prevRoot": { "%exists": false } }, { "%%prevRoot.author": "%%user.id" }],
                },
              },
            ],
          },
        },
      },
    });
    const client = new MemoryClient();
    client.db("app").collection("posts").documents.push({ _id: 1, author: "u2", body: "b" });
    const guard = createGuard({ rules, user: realmUser("u1"), client });
    const posts = guard.collection("app", "posts");
    await posts.insertOne({ _id: 2, author: "u1", body: "mine" });
    expect((await posts.updateOne({ _id: 1 }, { $set: { body: "x" } })).matchedCount).toBe(0);
    expect((await posts.updateOne({ _id: 2 }, { $set: { body: "edited" } })).matchedCount).toBe(1);
    expect(
      client
        .db("app")
        .collection("posts")
        .documents.map((d) => d.body),
    ).toEqual(["b", "edited"]);
  });

  it("a filter narrows every operation and hides the fields in its projection", async () => {
    const { collection: orders } = guardedCollection("orders", ORDERS_MINE_ONLY, [
      { _id: 1, customer: "u1", internal: "x" },
      { _id: 2, customer: "u2" },
    ]);
    expect(await orders.find({}).toArray()).toEqual([{ _id: 1, customer: "u1" }]);
    await expect(orders.updateOne({ _id: 1 }, { $set: { customer: "u2" } })).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
    });
    await expect(orders.insertOne({ customer: "u2" })).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    expect((await orders.deleteMany({})).deletedCount).toBe(1);
  });

  it("collections with their own rules never fall back to the default rule", async () => {
    const rules = defineAppRules({
      "mongodb-atlas": {
        default: { roles: [{ name: "all", apply_when: {}, read: true, write: true }] },
        collections: {
          "app.locked": { roles: [{ name: "nobody", apply_when: { "%%true": false }, read: true }] },
        },
      },
    });
    const client = new MemoryClient();
    client.db("app").collection("locked").documents.push({ _id: 1 });
    client.db("app").collection("open").documents.push({ _id: 1 });
    const guard = createGuard({ rules, user: realmUser("u1"), client });
    expect(await guard.collection("app", "locked").find({}).toArray()).toEqual([]);
    expect(await guard.collection("app", "open").find({}).toArray()).toEqual([{ _id: 1 }]);
  });

  it("expands %%user.custom_data and %%values, and a missing expansion matches nothing", async () => {
    const rules = defineAppRules(
      {
        "mongodb-atlas": {
          collections: {
            "app.teams": {
              roles: [
                {
                  name: "member",
                  apply_when: { team: "%%user.custom_data.team", region: "%%values.region" },
                  read: true,
                },
              ],
            },
          },
        },
      },
      { region: "eu" },
    );
    const client = new MemoryClient();
    client
      .db("app")
      .collection("teams")
      .documents.push(
        { _id: 1, team: "red", region: "eu" },
        { _id: 2, team: "blue", region: "eu" },
        { _id: 3, region: "eu" },
      );
    const red = createGuard({ rules, user: realmUser("u1", { custom_data: { team: "red" } }), client });
    const none = createGuard({ rules, user: realmUser("u2"), client });
    expect(await red.collection("app", "teams").find({}).toArray()).toEqual([
      { _id: 1, team: "red", region: "eu" },
    ]);
    expect(await none.collection("app", "teams").find({}).toArray()).toEqual([]);
  });

  it("reads %%user.id membership in an array field", async () => {
    const rules = defineAppRules({
      "mongodb-atlas": {
        collections: {
          "app.boards": {
            roles: [{ name: "member", apply_when: { "%%user.id": { "%in": "%%root.members" } }, read: true }],
          },
        },
      },
    });
    const client = new MemoryClient();
    client
      .db("app")
      .collection("boards")
      .documents.push({ _id: 1, members: ["u1", "u2"] }, { _id: 2, members: ["u2"] });
    const guard = createGuard({ rules, user: realmUser("u1"), client });
    expect((await guard.collection("app", "boards").find({}).toArray()).map((d) => d._id)).toEqual([1]);
  });

  it("field-level write permission lets other users change only the listed fields", async () => {
    const { stored, collection: posts } = guardedCollection(
      "posts",
      {
        roles: [
          { name: "author", apply_when: { author: "%%user.id" }, read: true, write: true },
          {
            name: "reader",
            apply_when: {},
            read: true,
            fields: { likes: { write: true }, profile: { fields: { bio: { write: true } } } },
          },
        ],
      },
      [{ _id: 1, author: "u2", title: "T", likes: 0, profile: { bio: "b", age: 30 } }],
    );
    expect((await posts.updateOne({ _id: 1 }, { $inc: { likes: 1 } })).modifiedCount).toBe(1);
    expect((await posts.updateOne({ _id: 1 }, { $set: { "profile.bio": "mine" } })).modifiedCount).toBe(1);
    expect((await posts.updateOne({ _id: 1 }, { $set: { title: "hijacked" } })).matchedCount).toBe(0);
    expect((await posts.updateOne({ _id: 1 }, { $set: { "profile.age": 1 } })).matchedCount).toBe(0);
    expect((await posts.updateOne({ _id: 1 }, { $set: { profile: { bio: "x" } } })).matchedCount).toBe(0);
    expect((await posts.deleteOne({ _id: 1 })).deletedCount).toBe(0);
    await expect(posts.insertOne({ author: "u2", likes: 5 })).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
    });
    expect(stored).toEqual([
      { _id: 1, author: "u2", title: "T", likes: 1, profile: { bio: "mine", age: 30 } },
    ]);
  });
});
