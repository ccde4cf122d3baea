import { Decimal128, Double, Long, ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import {
  createGuard,
  type Document,
  defineAppRules,
  GuardError,
  type MongoCollectionLike,
} from "../src/index.js";
import { MemoryClient } from "../src/memory.js";
import { guardErrorCode, realmUser } from "./fixtures.js";

/**
 * The adversarial suite, by channel. Every attack runs twice: on the raw (unguarded) collection as a
 * control that shows what it would reveal or change, and through the guard, which must refuse it or
 * answer the same whatever the hidden value is.
 */

const rules = defineAppRules({
  "mongodb-atlas": {
    // Anything not listed is open to everyone: the scope tests show the guard refuses the server's own databases anyway.
    default: { roles: [{ name: "anyone", apply_when: {}, read: true, write: true }] },
    collections: {
      // Owners read and write listed fields only; `secret` and `meta.private` are readable by nobody.
      "app.docs": {
        roles: [
          {
            name: "owner",
            apply_when: { owner_id: "%%user.id" },
            fields: {
              owner_id: { read: true },
              title: { read: true, write: true },
              n: { read: true, write: true },
              tags: { read: true, write: true },
              meta: { fields: { public: { read: true, write: true } } },
            },
          },
          { name: "others", apply_when: {}, fields: { title: { read: true } } },
        ],
      },
      // Whole-document access for the owner, but a filter hides `secret` and `meta.private` from everyone.
      "app.filtered": {
        roles: [{ name: "all", apply_when: {}, read: true, write: true }],
        filters: [
          { name: "own", apply_when: {}, query: { owner_id: "%%user.id" } },
          { name: "hide", apply_when: {}, query: {}, projection: { secret: 0, "meta.private": 0 } },
        ],
      },
      // Owner-only documents whose owner field is numeric-sensitive: rules read `level`.
      "app.levels": {
        roles: [
          {
            name: "owner",
            apply_when: { owner_id: "%%user.id" },
            document_filters: { write: { level: { $lt: 5 } }, read: true },
            read: true,
            write: true,
          },
        ],
      },
    },
  },
});

const victim = { secret: "S-victim", meta: { public: "p", private: "P-victim" } };

function seeded(): MemoryClient {
  const client = new MemoryClient();
  const app = client.db("app");
  for (const owner of ["u1", "u2"]) {
    app.collection("docs").documents.push({
      _id: `d-${owner}`,
      owner_id: owner,
      title: `T-${owner}`,
      n: 1,
      tags: ["a"],
      ...victim,
      secret: `S-${owner}`,
    });
    app.collection("filtered").documents.push({
      _id: `f-${owner}`,
      owner_id: owner,
      title: `T-${owner}`,
      n: 1,
      ...victim,
      secret: `S-${owner}`,
    });
  }
  // `level` is a JS number (mingo, which backs these tests, compares Long unlike MongoDB); `score` is a Long.
  app
    .collection("levels")
    .documents.push({ _id: new ObjectId(), owner_id: "u1", level: 3, n: 1, score: new Long(3) });
  client.db("admin").collection("users").documents.push({ _id: "admin.root", user: "root", pwd: "S-hash" });
  client
    .db("local")
    .collection("oplog.rs")
    .documents.push({ _id: 1, o: { secret: "S-oplog" } });
  client.db("config").collection("sessions").documents.push({ _id: 1, lsid: "S-session" });
  client.db("app").collection("system.users").documents.push({ _id: 1, secret: "S-system" });
  return client;
}

function setup(user = "u1") {
  const client = seeded();
  const guard = createGuard({ rules, user: realmUser(user), client });
  const raw = (name: string) => client.db("app").collection(name);
  return {
    client,
    guard,
    raw,
    docs: guard.collection("app", "docs"),
    filtered: guard.collection("app", "filtered"),
  };
}

/** Outcome of an operation as an attacker sees it: a refusal code, or the JSON of the answer. */
async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await run());
  } catch (error) {
    if (error instanceof GuardError) return `refused:${error.code}`;
    throw error;
  }
}

describe("scope: the server's own databases and system collections, under a permissive default rule", () => {
  const namespaces: [string, string][] = [
    ["admin", "users"],
    ["local", "oplog.rs"],
    ["config", "sessions"],
    ["ADMIN", "users"],
    ["app", "system.users"],
    ["app", "System.users"],
  ];
  for (const [database, collection] of namespaces) {
    it(`refuses ${database}.${collection}`, async () => {
      const { client, guard } = setup();
      const control = await client
        .db(database.toLowerCase())
        .collection(collection.toLowerCase())
        .find({})
        .toArray();
      if (database === database.toLowerCase() && collection === collection.toLowerCase())
        expect(JSON.stringify(control)).toMatch(/S-/);
      let code = "";
      try {
        await guard.collection(database, collection).find({}).toArray();
      } catch (error) {
        code = (error as GuardError).code;
      }
      expect(code).toBe("OPERATION_REFUSED");
    });
  }
  it("refuses database names MongoDB would not accept", () => {
    const { guard } = setup();
    for (const name of ["a.b", "a/b", "a b", "a\u0000", ""])
      expect(() => guard.collection(name, "x")).toThrow(GuardError);
  });
});

describe("read oracle: a hidden field's value must not change what the attacker observes", () => {
  type Probe = [
    string,
    (
      c: MongoCollectionLike | ReturnType<ReturnType<typeof setup>["guard"]["collection"]>,
      guess: string,
    ) => Promise<unknown>,
  ];
  const probes: Probe[] = [
    ["a filter on it (find)", (c, guess) => c.find({ secret: guess }).toArray()],
    ["a filter on it (count)", (c, guess) => c.countDocuments({ secret: guess })],
    [
      "a filter below it",
      (c, guess) => c.countDocuments({ "meta.private": guess === "S-u1" ? "P-victim" : "P-xx" }),
    ],
    ["a $regex prefix", (c, guess) => c.countDocuments({ secret: { $regex: `^${guess.slice(0, 3)}` } })],
    ["a range on it", (c, guess) => c.countDocuments({ secret: { $gte: guess, $lte: `${guess}~` } })],
    [
      "$exists/$type below it",
      (c, guess) => c.countDocuments({ "meta.private": { $type: guess === "S-u1" ? "string" : "int" } }),
    ],
    ["a sort on it", (c) => c.find({}, { sort: { secret: 1 } }).toArray()],
    ["distinct on it", (c) => c.distinct("secret", {})],
    ["distinct below it", (c) => c.distinct("meta.private", {})],
    ["distinct above it", (c) => c.distinct("meta", {})],
    ["a delete filtered on it", (c, guess) => c.deleteMany({ secret: guess })],
  ];
  for (const collection of ["docs", "filtered"] as const) {
    for (const [name, probe] of probes) {
      it(`${collection}: ${name}`, async () => {
        const right = `S-u1`;
        const wrong = `S-xx`;
        const control = setup();
        const rawRight = JSON.stringify(await probe(control.raw(collection), right));
        const rawWrong = JSON.stringify(await probe(control.raw(collection), wrong));
        // Control: the raw collection answers differently (or shows the secret): the channel is real.
        expect(rawRight !== rawWrong || /S-u|P-victim/.test(rawRight)).toBe(true);
        const guarded = setup();
        const c = guarded.guard.collection("app", collection);
        const seenRight = await outcome(() => probe(c, right));
        const seenWrong = await outcome(() => probe(c, wrong));
        expect(seenRight).toBe(seenWrong);
        expect(seenRight).not.toMatch(/S-u|P-victim/);
      });
    }
  }

  it("findOneAndUpdate's sort on a hidden field (which document changes tells the order)", async () => {
    const control = setup();
    const first = await control
      .raw("filtered")
      .findOneAndUpdate({}, { $set: { n: 2 } }, { sort: { secret: -1 }, returnDocument: "after" });
    expect(first?.secret).toMatch(/S-u/);
    const { filtered } = setup();
    expect(
      await guardErrorCode(filtered.findOneAndUpdate({}, { $set: { n: 2 } }, { sort: { secret: -1 } })),
    ).toBe("PERMISSION_DENIED");
    const { docs } = setup();
    expect(
      await docs.findOneAndUpdate({ title: "T-u1" }, { $set: { n: 2 } }, { sort: { secret: -1 } }),
    ).toBeNull();
  });

  it("arrayFilters over hidden element fields (modifiedCount tells whether a guess matched)", async () => {
    const rules2 = defineAppRules({
      "mongodb-atlas": {
        collections: {
          "app.lists": {
            roles: [
              {
                name: "owner",
                apply_when: { owner_id: "%%user.id" },
                fields: {
                  _id: { read: true },
                  owner_id: { read: true },
                  items: { fields: { flag: { read: true, write: true } } },
                },
              },
            ],
          },
        },
      },
    });
    const client = new MemoryClient();
    client
      .db("app")
      .collection("lists")
      .documents.push({ _id: 1, owner_id: "u1", items: [{ flag: 0, code: "S-code" }] });
    const attack = (guess: string): [Document, Document, { arrayFilters: Document[] }] => [
      { _id: 1 },
      { $set: { "items.$[x].flag": 1 } },
      { arrayFilters: [{ "x.code": guess }] },
    ];
    const raw = client.db("app").collection("lists");
    expect((await raw.updateOne(...attack("S-xx"))).modifiedCount).toBe(0);
    const lists = createGuard({ rules: rules2, user: realmUser("u1"), client }).collection("app", "lists");
    expect(await outcome(() => lists.updateOne(...attack("S-code")))).toBe(
      await outcome(() => lists.updateOne(...attack("S-xx"))),
    );
    expect((await raw.updateOne(...attack("S-code"))).modifiedCount).toBe(1);
  });

  it("aggregation predicates never see a hidden field ($match, $group, $lookup into it)", async () => {
    const { guard, raw } = setup();
    const pipeline = [
      { $match: { secret: "S-u1" } },
      { $lookup: { from: "filtered", pipeline: [{ $match: { secret: "S-u2" } }], as: "joined" } },
      { $project: { secret: 1, joined: 1 } },
    ];
    expect(JSON.stringify(await raw("filtered").aggregate(pipeline).toArray())).toMatch(/S-u/);
    const seen = await outcome(() => guard.collection("app", "filtered").aggregate(pipeline).toArray());
    expect(seen).not.toMatch(/S-u|P-victim/);
  });

  it("error messages name paths and operators, never values", async () => {
    const { docs, filtered } = setup();
    for (const run of [
      () => filtered.find({ secret: "S-u2-guess" }).toArray(),
      () => docs.find({ secret: { $where: "S-u2-guess" } as never }).toArray(),
      () => filtered.updateOne({}, { $rename: { secret: "title" } }),
    ]) {
      const message = await run().then(
        () => "",
        (error: Error) => error.message,
      );
      expect(message).not.toContain("S-u2-guess");
    }
  });
});

describe("projection: renaming or copying a hidden field into a readable one", () => {
  it("refuses $rename out of a field a filter hides (control: the raw rename leaks it)", async () => {
    const control = setup();
    await control.raw("filtered").updateOne({ _id: "f-u1" }, { $rename: { secret: "title" } });
    expect(JSON.stringify(await control.raw("filtered").find({ _id: "f-u1" }).toArray())).toContain("S-u1");
    const { filtered } = setup();
    expect(await guardErrorCode(filtered.updateOne({ _id: "f-u1" }, { $rename: { secret: "title" } }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(
      await guardErrorCode(filtered.updateOne({ _id: "f-u1" }, { $rename: { "meta.private": "title" } })),
    ).toBe("PERMISSION_DENIED");
    expect(JSON.stringify(await filtered.find({}).toArray())).not.toMatch(/S-u|P-victim/);
  });

  it("refuses $rename of a field the role cannot write, both ends", async () => {
    const { docs, raw } = setup();
    const before = JSON.stringify(await raw("docs").find({}).toArray());
    await docs.updateOne({ _id: "d-u1" }, { $rename: { secret: "title" } });
    await docs.updateOne({ _id: "d-u1" }, { $rename: { title: "secret" } });
    expect(JSON.stringify(await raw("docs").find({}).toArray())).toBe(before);
  });
});

describe("write oracle: a write is judged the same whether or not it changes a protected value", () => {
  const attempts: [string, (guess: string) => Document][] = [
    [
      "$set of the hidden field with the owner field",
      (guess) => ({ $set: { owner_id: "u1", secret: guess } }),
    ],
    ["$set of the hidden field alone", (guess) => ({ $set: { secret: guess } })],
    ["$min of the hidden field", (guess) => ({ $min: { secret: guess }, $set: { owner_id: "u1" } })],
    ["$unset of the hidden sub-field", () => ({ $unset: { "meta.private": "" }, $set: { owner_id: "u1" } })],
  ];
  for (const [name, update] of attempts) {
    it(name, async () => {
      const control = setup();
      const rawRight = await control.raw("docs").updateOne({ _id: "d-u1" }, update("S-u1"));
      const again = setup();
      const rawWrong = await again.raw("docs").updateOne({ _id: "d-u1" }, update("S-00"));
      if (!name.includes("$unset")) expect(rawRight.modifiedCount).not.toBe(rawWrong.modifiedCount);
      const right = setup();
      const wrong = setup();
      const seenRight = await outcome(() => right.docs.updateOne({ title: "T-u1" }, update("S-u1")));
      const seenWrong = await outcome(() => wrong.docs.updateOne({ title: "T-u1" }, update("S-00")));
      expect(seenRight).toBe(seenWrong);
      expect(JSON.stringify(right.raw("docs").documents.find((d) => d._id === "d-u1"))).toContain("S-u1");
    });
  }

  it("a replacement repeating a hidden value is refused like one that changes it", async () => {
    const { docs } = setup();
    const doc = { owner_id: "u1", title: "T", n: 1, tags: ["a"], meta: victim.meta };
    expect(await outcome(() => docs.replaceOne({ title: "T-u1" }, { ...doc, secret: "S-u1" }))).toBe(
      await outcome(() => docs.replaceOne({ title: "T-u1" }, { ...doc, secret: "S-xx" })),
    );
  });
});

describe("write paths: numeric BSON types, key order and ObjectIds", () => {
  /** Records what reaches the server, to show the per-document path never sends the caller's operators. */
  function spying(client: MemoryClient) {
    const sent: string[] = [];
    const collection = client.db("app").collection("levels");
    const original = collection.updateOne.bind(collection);
    collection.updateOne = (filter, update, options) => {
      sent.push(`updateOne ${JSON.stringify(update)}`);
      return original(filter, update, options);
    };
    return sent;
  }

  it("a rule-read field changed with $set: the server receives the checked document, not the operators", async () => {
    const client = seeded();
    const sent = spying(client);
    const levels = createGuard({ rules, user: realmUser("u1"), client }).collection("app", "levels");
    const result = await levels.updateOne({ owner_id: "u1" }, { $set: { level: 4 } });
    expect(result.matchedCount).toBe(1);
    expect(sent).toEqual([]);
    expect(client.db("app").collection("levels").documents[0]?.level).toBe(4);
  });

  for (const [name, update] of [
    ["$max with a Long", { $max: { level: new Long(4) } }],
    ["$min with a Decimal128", { $min: { level: Decimal128.fromString("1") } }],
    ["$inc with a Double", { $inc: { level: new Double(1) } }],
    ["$max with a number on a Long", { $max: { score: 9 }, $set: { owner_id: "u1" } }],
    ["$inc on a Long", { $inc: { score: 1 }, $set: { owner_id: "u1" } }],
    ["$addToSet with a sub-document", { $addToSet: { tags: { b: 1, a: 2 } }, $set: { owner_id: "u1" } }],
  ] as const) {
    it(`refuses ${name} on a field the rules read (mingo and MongoDB disagree)`, async () => {
      const { guard, client } = setup();
      const before = JSON.stringify(client.db("app").collection("levels").documents);
      expect(
        await guardErrorCode(
          guard.collection("app", "levels").updateOne({ owner_id: "u1" }, update as Document),
        ),
      ).toBe("OPERATION_REFUSED");
      expect(JSON.stringify(client.db("app").collection("levels").documents)).toBe(before);
    });
  }

  it("a field a concurrent writer adds between the check and the write is neither lost nor unchecked", async () => {
    const { guard, client } = setup();
    const stored = client.db("app").collection("levels");
    const find = stored.find.bind(stored);
    let raced = false;
    stored.find = (filter, options) => {
      const cursor = find(filter, options);
      return {
        toArray: async () => {
          const documents = await cursor.toArray();
          if (!raced && stored.documents[0]) {
            raced = true;
            stored.documents[0].added = "by another writer";
          }
          return documents;
        },
      };
    };
    expect(
      (
        await guard
          .collection("app", "levels")
          .updateOne({ owner_id: "u1" }, { $set: { level: 4, owner_id: "u1" } })
      ).matchedCount,
    ).toBe(1);
    expect(stored.documents[0]).toMatchObject({ level: 4, added: "by another writer" });
  });

  it("ObjectId _ids work in every write path", async () => {
    const { guard, client } = setup();
    const levels = guard.collection("app", "levels");
    const stored = client.db("app").collection("levels").documents;
    const id = stored[0]?._id as ObjectId;
    expect((await levels.updateOne({ _id: id }, { $set: { level: 2, owner_id: "u1" } })).matchedCount).toBe(
      1,
    );
    expect(
      await levels.findOneAndUpdate(
        { _id: id },
        { $set: { n: 5, owner_id: "u1" } },
        { returnDocument: "after" },
      ),
    ).toMatchObject({ n: 5 });
    expect((await levels.updateMany({ _id: id }, { $inc: { n: 1 } })).matchedCount).toBe(1);
    expect(
      (await levels.replaceOne({ _id: id }, { _id: id, owner_id: "u1", level: 1, n: 7 })).matchedCount,
    ).toBe(1);
    expect(
      await levels.findOneAndReplace(
        { _id: id },
        { owner_id: "u1", level: 1, n: 8 },
        { returnDocument: "after" },
      ),
    ).toMatchObject({ n: 8 });
    const fresh = new ObjectId();
    expect(
      (await levels.updateOne({ _id: fresh }, { $set: { owner_id: "u1", level: 1 } }, { upsert: true }))
        .upsertedCount,
    ).toBe(1);
    expect(stored.find((d) => String(d._id) === String(fresh))?._id).toBeInstanceOf(ObjectId);
    expect(stored.every((d) => d._id instanceof ObjectId)).toBe(true);
    expect((await levels.deleteOne({ _id: fresh })).deletedCount).toBe(1);
  });

  it("an upsert or update with a victim's owner value is refused in every spelling", async () => {
    const { guard } = setup();
    const levels = guard.collection("app", "levels");
    for (const run of [
      () => levels.updateOne({ owner_id: "u2" }, { $set: { n: 1 } }, { upsert: true }),
      () => levels.updateOne({ n: 42 }, { $setOnInsert: { owner_id: "u2" } }, { upsert: true }),
      () => levels.updateOne({ owner_id: "u1" }, { $rename: { n: "owner_id" } }),
      () => levels.updateOne({ owner_id: "u1" }, { $unset: { owner_id: "" } }),
      () => levels.updateOne({ owner_id: "u1" }, { $set: { level: 9 } }),
    ]) {
      expect(await guardErrorCode(run())).toBe("PERMISSION_DENIED");
    }
  });
});

describe("types: nothing untyped escapes", () => {
  const updates: [string, Document][] = [
    ["an invalid regex in $pull", { $set: { owner_id: "u1" }, $pull: { n: { $regex: "(" } } }],
    ["$push onto a number", { $set: { owner_id: "u1" }, $push: { n: 1 } }],
    ["$pop of a number", { $set: { owner_id: "u1" }, $pop: { n: 1 } }],
    ["a path through a number", { $set: { owner_id: "u1", "n.x": 1 } }],
    ["a filtered positional path without arrayFilters", { $set: { owner_id: "u1", "n.$[x]": 1 } }],
  ];
  for (const [name, update] of updates) {
    it(`${name} is refused with a GuardError and changes nothing`, async () => {
      const { guard, client } = setup();
      const before = JSON.stringify(client.db("app").collection("levels").documents);
      let error: unknown;
      try {
        await guard.collection("app", "levels").updateOne({ owner_id: "u1" }, update);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(GuardError);
      expect(JSON.stringify(client.db("app").collection("levels").documents)).toBe(before);
    });
  }
});
