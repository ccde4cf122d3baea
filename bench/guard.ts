// Per-operation cost of the data guard (rule binding, checks and rewriting) against the unguarded call
// on the same in-memory collection. Run: npx tsx bench/guard.ts
import { createGuard, type MongoClientLike, type MongoCollectionLike } from "@realm-to-cognito/guard";
import { MemoryClient } from "@realm-to-cognito/guard/memory";
import { realmUser, todoRules } from "../packages/guard/test/fixtures.js";

const USERS = 100;
const DOCS_PER_USER = 10;
const WARMUP = 300;
const RUNS = 3000;
const TARGET_US = 50;

// The guard tests' todo app: items by owner (role per document), notes behind document filters.
const rules = todoRules;

function seeded(): MemoryClient {
  const client = new MemoryClient();
  for (let u = 0; u < USERS; u++) {
    for (let n = 0; n < DOCS_PER_USER; n++) {
      client
        .db("todo")
        .collection("items")
        .documents.push({ _id: `i-${u}-${n}`, owner_id: `u${u}`, title: `t${n}`, n, done: n % 2 === 0 });
      client
        .db("todo")
        .collection("notes")
        .documents.push({ _id: `n-${u}-${n}`, owner_id: `u${u}`, item: `i-${u}-${n}`, n });
    }
  }
  return client;
}

/** A backend that answers at once, so what remains is the guard's own work. */
const instant: MongoCollectionLike = {
  find: () => ({ toArray: async () => [] }),
  countDocuments: async () => 0,
  distinct: async () => [],
  insertOne: async () => ({ insertedId: "x" }),
  insertMany: async () => ({ insertedCount: 0, insertedIds: {} }),
  updateOne: async () => ({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null }),
  updateMany: async () => ({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null }),
  findOneAndUpdate: async () => null,
  findOneAndReplace: async () => null,
  findOneAndDelete: async () => null,
  replaceOne: async () => ({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null }),
  deleteOne: async () => ({ deletedCount: 0 }),
  deleteMany: async () => ({ deletedCount: 0 }),
  aggregate: () => ({ toArray: async () => [] }),
};
const instantClient: MongoClientLike = { db: () => ({ collection: () => instant }) };

interface Case {
  name: string;
  raw: (db: ReturnType<MemoryClient["db"]>, userId: string, n: number) => Promise<unknown>;
  guarded: (guard: ReturnType<typeof createGuard>, n: number) => Promise<unknown>;
}

const cases: Case[] = [
  {
    name: "find by owner",
    raw: (db, id) => db.collection("items").find({ owner_id: id, done: true }).toArray(),
    guarded: (guard) => guard.collection("todo", "items").find({ done: true }).toArray(),
  },
  {
    name: "updateOne",
    raw: (db, id, n) =>
      db
        .collection("items")
        .updateOne(
          { _id: `i-${id.slice(1)}-${n % DOCS_PER_USER}`, owner_id: id },
          { $set: { title: `x${n}` } },
        ),
    guarded: (guard, n) =>
      guard
        .collection("todo", "items")
        .updateOne({ _id: `i-${guard.user.id.slice(1)}-${n % DOCS_PER_USER}` }, { $set: { title: `x${n}` } }),
  },
  {
    name: "findOneAndReplace",
    raw: (db, id, n) =>
      db
        .collection("items")
        .findOneAndReplace(
          { _id: `i-${id.slice(1)}-${n % DOCS_PER_USER}`, owner_id: id },
          { owner_id: id, title: `r${n}`, n },
          { returnDocument: "after" },
        ),
    guarded: (guard, n) =>
      guard
        .collection("todo", "items")
        .findOneAndReplace(
          { _id: `i-${guard.user.id.slice(1)}-${n % DOCS_PER_USER}` },
          { owner_id: guard.user.id, title: `r${n}`, n },
          { returnDocument: "after" },
        ),
  },
  {
    name: "insertOne",
    raw: (db, id, n) => db.collection("notes").insertOne({ owner_id: id, n, text: "hello" }),
    guarded: (guard, n) =>
      guard.collection("todo", "notes").insertOne({ owner_id: guard.user.id, n, text: "hello" }),
  },
  {
    name: "aggregate ($match, $lookup, $group)",
    raw: (db, id) =>
      db
        .collection("notes")
        .aggregate([
          { $match: { owner_id: id } },
          {
            $lookup: {
              from: "items",
              let: { item: "$item" },
              pipeline: [{ $match: { owner_id: id } }, { $match: { $expr: { $eq: ["$_id", "$$item"] } } }],
              as: "item",
            },
          },
          { $group: { _id: null, count: { $sum: 1 } } },
        ])
        .toArray(),
    guarded: (guard) =>
      guard
        .collection("todo", "notes")
        .aggregate([
          {
            $lookup: {
              from: "items",
              let: { item: "$item" },
              pipeline: [{ $match: { $expr: { $eq: ["$_id", "$$item"] } } }],
              as: "item",
            },
          },
          { $group: { _id: null, count: { $sum: 1 } } },
        ])
        .toArray(),
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function time(run: (n: number) => Promise<unknown>, runs: number): Promise<number> {
  for (let n = 0; n < WARMUP; n++) await run(n);
  const samples: number[] = [];
  for (let n = 0; n < runs; n++) {
    const start = process.hrtime.bigint();
    await run(n);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return median(samples);
}

const rows: string[][] = [];
let worst = 0;
for (const benchCase of cases) {
  const runs = benchCase.name.startsWith("aggregate") ? Math.floor(RUNS / 10) : RUNS;
  const rawClient = seeded();
  const guardedClient = seeded();
  const userOf = (n: number) => `u${n % USERS}`;
  // Alternate the two so that warm-up and garbage collection weigh on both alike.
  let raw = 0;
  let guarded = 0;
  for (let round = 0; round < 2; round++) {
    raw += await time((n) => benchCase.raw(rawClient.db("todo"), userOf(n), n), runs / 2);
    // A fresh guard per call, as in a Lambda serving one request per user.
    guarded += await time(
      (n) => benchCase.guarded(createGuard({ rules, user: realmUser(userOf(n)), client: guardedClient }), n),
      runs / 2,
    );
  }
  raw /= 2;
  guarded /= 2;
  const guardOnly = await time(
    (n) => benchCase.guarded(createGuard({ rules, user: realmUser(userOf(n)), client: instantClient }), n),
    RUNS,
  );
  worst = Math.max(worst, guardOnly);
  rows.push([
    benchCase.name,
    raw.toFixed(1),
    guarded.toFixed(1),
    (guarded / raw).toFixed(2),
    guardOnly.toFixed(1),
  ]);
}

const header = ["operation", "unguarded µs", "guarded µs", "ratio", "guard alone µs"];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
const line = (cells: string[]) =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
console.log(
  `guard overhead: medians over ${RUNS} calls (aggregate ${RUNS / 10}), ${USERS * DOCS_PER_USER} documents per collection, mingo in memory`,
);
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log(
  `guard alone (rule binding, checks, rewriting; backend answering at once): worst median ${worst.toFixed(1)} µs, target < ${TARGET_US} µs: ${worst < TARGET_US ? "met" : "MISSED"}`,
);
