import fc from "fast-check";
import { Decimal128, Double, Long, ObjectId } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { createGuard, type Document, GuardError, type GuardedCollection } from "../src/index.js";
import { realmUser, seededClient, todoRules, USERS } from "./fixtures.js";

const COLLECTIONS = ["items", "notes", "profiles", "vault"] as const;
const RUNS = Number(process.env.GUARD_PROPERTY_RUNS ?? 2500);

const owner = fc.constantFrom("u1", "u2", "u3", "u4");
const field = fc.constantFrom("owner_id", "title", "n", "tags", "_id", "secret", "item", "name", "secret.x");
/** Numbers in every BSON type MongoDB and mingo might compare differently, and ObjectIds. */
const bsonNumber = fc.oneof(
  fc.integer({ min: -1, max: 5 }).map((n) => Long.fromNumber(n)),
  fc.integer({ min: -1, max: 5 }).map((n) => Decimal128.fromString(String(n))),
  fc.integer({ min: -1, max: 5 }).map((n) => new Double(n)),
);
const objectId = fc.constantFrom(
  new ObjectId("65f0c0ffee00000000000001"),
  new ObjectId("65f0c0ffee00000000000002"),
);
const scalar = fc.oneof(
  owner,
  fc.constantFrom("t0", "t1", "a", "odd", "item-u2-0", "note-u1-0", "profile-u2", "H-guess", "S-guess"),
  fc.integer({ min: -1, max: 5 }),
  fc.constant(null),
  bsonNumber,
  objectId,
);
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
);

const condition = fc.oneof(
  value,
  value.map((v) => ({ $eq: v })),
  value.map((v) => ({ $ne: v })),
  fc.array(scalar, { maxLength: 3 }).map((vs) => ({ $in: vs })),
  fc.array(scalar, { maxLength: 3 }).map((vs) => ({ $nin: vs })),
  fc.integer({ min: -1, max: 5 }).map((n) => ({ $gt: n })),
  fc.boolean().map((b) => ({ $exists: b })),
  scalar.map((v) => ({ $not: { $eq: v } })),
  scalar.map((v) => ({ $elemMatch: { $eq: v } })),
);

const { filter } = fc.letrec<{ filter: Document }>((tie) => ({
  filter: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 12, arbitrary: fc.dictionary(field, condition, { maxKeys: 2 }) },
    {
      weight: 2,
      arbitrary: fc.array(tie("filter"), { minLength: 1, maxLength: 2 }).map((items) => ({ $or: items })),
    },
    {
      weight: 1,
      arbitrary: fc.array(tie("filter"), { minLength: 1, maxLength: 2 }).map((items) => ({ $and: items })),
    },
    {
      weight: 1,
      arbitrary: fc.array(tie("filter"), { minLength: 1, maxLength: 2 }).map((items) => ({ $nor: items })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Document>({ $where: "true" }, { $expr: { $ne: ["$owner_id", "u1"] } }),
    },
  ),
}));

const update = fc
  .record(
    {
      $set: fc.dictionary(field, value, { minKeys: 1, maxKeys: 2 }),
      $unset: fc.dictionary(field, fc.constant(""), { minKeys: 1, maxKeys: 1 }),
      $inc: fc.record({
        n: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: -2, max: 2 }) },
          { weight: 1, arbitrary: bsonNumber },
        ),
      }),
      $max: fc.record({
        score: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: -2, max: 9 }) },
          { weight: 1, arbitrary: bsonNumber },
        ),
      }),
      $min: fc.record({ secret: scalar }),
      $push: fc.record({ tags: scalar }),
      $addToSet: fc.record({ labels: fc.oneof(scalar, fc.constantFrom({ a: 1, b: 2 }, { b: 2, a: 1 })) }),
      $rename: fc.dictionary(
        fc.constantFrom("title", "owner_id", "name"),
        fc.constantFrom("owner_id", "label", "title"),
        { minKeys: 1, maxKeys: 1 },
      ),
      $setOnInsert: fc.record({ owner_id: owner }),
    },
    { requiredKeys: [] },
  )
  .filter((u) => Object.keys(u).length > 0);

const document = fc
  .tuple(
    fc.option(fc.oneof(owner, value), { nil: undefined, freq: 8 }),
    fc.dictionary(fc.constantFrom("title", "n", "tags", "name", "item"), value, { maxKeys: 3 }),
  )
  .map(([ownerId, rest]) => (ownerId === undefined ? rest : { owner_id: ownerId, ...rest }));
const collection = fc.constantFrom(...COLLECTIONS);
const sort = fc.option(fc.dictionary(field, fc.constantFrom<1 | -1>(1, -1), { minKeys: 1, maxKeys: 2 }), {
  nil: undefined,
});
const projection = fc.option(
  fc.constantFrom<Record<string, 0 | 1>>({ owner_id: 1, secret: 1 }, { secret: 0 }, { name: 1 }),
  { nil: undefined },
);

const stage = fc.oneof(
  filter.map((f) => ({ $match: f })),
  fc.constant({ $project: { owner_id: 1, secret: 1 } }),
  fc.constant({ $group: { _id: "$owner_id", secrets: { $push: "$secret" } } }),
  collection.map((from) => ({ $lookup: { from, localField: "_id", foreignField: "item", as: "joined" } })),
  fc
    .tuple(collection, filter)
    .map(([from, f]) => ({ $lookup: { from, pipeline: [{ $match: f }], as: "joined" } })),
  fc.tuple(collection, filter).map(([coll, f]) => ({ $unionWith: { coll, pipeline: [{ $match: f }] } })),
  owner.map((o) => ({ $set: { owner_id: o } })),
  fc.constant({ $sort: { n: 1 } }),
  fc.integer({ min: 1, max: 4 }).map((n) => ({ $limit: n })),
);

type Operation = {
  name: string;
  args?: unknown[];
  run: (c: GuardedCollection) => Promise<unknown>;
};

const operation: fc.Arbitrary<Operation> = fc.oneof<fc.Arbitrary<Operation>[]>(
  fc.tuple(filter, projection).map(([f, projection]) => ({
    name: "find",
    run: (c) => c.find(f, projection ? { projection } : {}).toArray(),
  })),
  filter.map((f) => ({ name: "findOne", run: (c) => c.findOne(f) })),
  filter.map((f) => ({ name: "countDocuments", run: (c) => c.countDocuments(f) })),
  fc.tuple(field, filter).map(([key, f]) => ({ name: "distinct", run: (c) => c.distinct(key, f) })),
  document.map((d) => ({ name: "insertOne", run: (c) => c.insertOne(d) })),
  fc
    .array(document, { minLength: 1, maxLength: 3 })
    .map((ds) => ({ name: "insertMany", run: (c) => c.insertMany(ds) })),
  fc
    .tuple(filter, update, fc.boolean())
    .map(([f, u, upsert]) => ({ name: "updateOne", run: (c) => c.updateOne(f, u, { upsert }) })),
  fc
    .tuple(filter, update, fc.boolean())
    .map(([f, u, upsert]) => ({ name: "updateMany", run: (c) => c.updateMany(f, u, { upsert }) })),
  fc.tuple(filter, update, fc.boolean()).map(([f, u, upsert]) => ({
    name: "findOneAndUpdate",
    run: (c) => c.findOneAndUpdate(f, u, { upsert, returnDocument: "after" }),
  })),
  fc
    .tuple(filter, document, fc.boolean())
    .map(([f, d, upsert]) => ({ name: "replaceOne", run: (c) => c.replaceOne(f, d, { upsert }) })),
  fc
    .tuple(filter, document, fc.boolean(), fc.constantFrom("before", "after"), sort, projection)
    .map(([f, d, upsert, returnDocument, s, p]) => ({
      name: "findOneAndReplace",
      args: [f, d, upsert, returnDocument, s, p],
      run: (c) =>
        c.findOneAndReplace(f, d, {
          upsert,
          returnDocument: returnDocument as "before" | "after",
          ...(s ? { sort: s } : {}),
          ...(p ? { projection: p } : {}),
        }),
    })),
  filter.map((f) => ({ name: "deleteOne", run: (c) => c.deleteOne(f) })),
  fc.tuple(filter, sort, projection).map(([f, s, p]) => ({
    name: "findOneAndDelete",
    run: (c) => c.findOneAndDelete(f, { ...(s ? { sort: s } : {}), ...(p ? { projection: p } : {}) }),
  })),
  filter.map((f) => ({ name: "deleteMany", run: (c) => c.deleteMany(f) })),
  fc
    .array(stage, { maxLength: 3 })
    .map((pipeline) => ({ name: "aggregate", run: (c) => c.aggregate(pipeline).toArray() })),
);

const tally = { cases: 0, refused: 0, otherErrors: 0, byOperation: {} as Record<string, number> };

afterAll(() => {
  console.log(
    `guard property tests: ${tally.cases} generated cases (${tally.refused} refused by the guard, ${tally.otherErrors} rejected by the engine); per operation ${JSON.stringify(tally.byOperation)}`,
  );
});

/** Owner fields are strict by default: an array naming the user is not the user's document. */
function owns(document: Document, user: string): boolean {
  return document.owner_id === user;
}

/** A foreign secret, or any vault secret (a filter hides them from everyone, owners included). */
function leaks(result: unknown, user: string): boolean {
  const text = JSON.stringify(result) ?? "";
  return new RegExp(`S-(?!${user}-)u\\d`).test(text) || /H-u\d-vault/.test(text);
}

function othersOf(client: ReturnType<typeof seededClient>, user: string): string {
  return JSON.stringify(
    COLLECTIONS.map((name) =>
      client
        .db("todo")
        .collection(name)
        .documents.filter((d) => !owns(d, user)),
    ),
  );
}

describe("random operations by one user never touch another user's documents", () => {
  it("none reads, changes, deletes or creates another user's document", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...USERS), collection, operation, async (user, name, op) => {
        tally.cases++;
        tally.byOperation[op.name] = (tally.byOperation[op.name] ?? 0) + 1;
        const client = seededClient();
        const before = othersOf(client, user);
        const guard = createGuard({ rules: todoRules, user: realmUser(user), client });
        let result: unknown;
        try {
          result = await op.run(guard.collection("todo", name));
        } catch (error) {
          if (error instanceof GuardError) {
            tally.refused++;
            if (process.env.GUARD_DEBUG) console.log(op.name, error.message);
          } else {
            tally.otherErrors++;
            if (process.env.GUARD_DEBUG) console.log("ENGINE", op.name, (error as Error).message);
          }
        }
        expect(leaks(result, user)).toBe(false);
        expect(othersOf(client, user)).toBe(before);
      }),
      {
        numRuns: RUNS,
        ...(process.env.GUARD_SEED ? { seed: Number(process.env.GUARD_SEED) } : {}),
        ...(process.env.GUARD_PATH ? { path: process.env.GUARD_PATH } : {}),
      },
    );
    expect(tally.cases).toBeGreaterThanOrEqual(RUNS);
  });
});

describe("the property is not vacuous", () => {
  it("the same checks catch an unguarded collection leaking or changing other users' documents", async () => {
    let violations = 0;
    const violationsBy: Record<string, number> = {};
    for (const [user, name, op] of fc.sample(fc.tuple(fc.constantFrom(...USERS), collection, operation), {
      numRuns: 1000,
      seed: 7,
    })) {
      const client = seededClient();
      const before = othersOf(client, user);
      const raw = client.db("todo").collection(name);
      const unguarded = Object.assign(Object.create(raw), {
        findOne: async (f: Document) => (await raw.find(f, { limit: 1 }).toArray())[0] ?? null,
      }) as unknown as GuardedCollection;
      let result: unknown;
      try {
        result = await op.run(unguarded);
      } catch (error) {
        // engine errors are not violations
        if (process.env.GUARD_DEBUG && op.name === "updateMany")
          console.log("ENGINE", (error as Error).message);
      }
      if (leaks(result, user) || othersOf(client, user) !== before) {
        violations++;
        violationsBy[op.name] = (violationsBy[op.name] ?? 0) + 1;
      }
    }
    expect(violations).toBeGreaterThan(30);
    // Each write path can fail the property, the new findOneAnd* ones included.
    for (const name of ["updateMany", "replaceOne", "deleteMany", "findOneAndReplace", "findOneAndDelete"])
      expect(violationsBy[name] ?? 0, name).toBeGreaterThan(0);
  });
});
