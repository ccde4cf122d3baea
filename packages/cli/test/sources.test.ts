import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ObjectId } from "bson";
import { afterAll, describe, expect, it } from "vitest";
import { exportSnapshot } from "../src/export.js";
import { checkSnapshot, readSnapshot } from "../src/snapshot-file.js";
import { readMongoexport } from "../src/sources/mongoexport.js";
import { collectionUsers, type UserCollectionReader } from "../src/sources/user-collection.js";

const dir = mkdtempSync(join(tmpdir(), "r2c-sources-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIELDS = {
  userIdField: "user_id",
  emailField: "email",
  mongoIdField: "_id",
  extraFields: ["name", "plan"],
};

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const oid = (i: number) => `6645b9c4a1e8443791110${String(i).padStart(3, "0")}`;
const uid = (i: number) => `64f65e24c2f20a0e2dff0${String(i).padStart(3, "0")}`;
const canonical = (i: number, extra = "") =>
  `{"_id":{"$oid":"${oid(i)}"},"user_id":"${uid(i)}","email":"user${i}@example.com","name":"N, ${i}","plan":{"$numberInt":"${i}"}${extra}}`;

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("reading mongoexport files", () => {
  it("reads canonical Extended JSON lines and a relaxed JSON array alike", async () => {
    const lines = write("lines.json", `${canonical(1)}\n${canonical(2)}\n`);
    const array = write(
      "array.json",
      `[\n  {"_id":{"$oid":"${oid(1)}"},"user_id":"${uid(1)}","email":"user1@example.com","name":"N, 1","plan":1},\n  {"_id":{"$oid":"${oid(2)}"},"user_id":"${uid(2)}","email":"user2@example.com","name":"{[\\"tricky\\"]}","plan":2}\n]\n`,
    );
    const fromLines = await all(readMongoexport(lines));
    const fromArray = await all(readMongoexport(array));
    expect(fromLines.map((item) => ("doc" in item ? String(item.doc._id) : item.error))).toEqual([
      oid(1),
      oid(2),
    ]);
    expect(fromArray.map((item) => ("doc" in item ? String(item.doc._id) : item.error))).toEqual([
      oid(1),
      oid(2),
    ]);
    expect(fromArray.map((item) => item.line)).toEqual([2, 3]);
    expect("doc" in fromArray[1]! && fromArray[1].doc.name).toBe('{["tricky"]}');
  });

  it("reports bad lines with their numbers and goes on", async () => {
    const file = write(
      "bad.json",
      [
        canonical(1),
        "not json at all",
        `{"_id":{"$oid":"${oid(3)}"},"email":"cut`,
        canonical(4),
        `{"_id":{"$oid":"zz"}}`,
        "",
      ].join("\n"),
    );
    const items = await all(readMongoexport(file));
    expect(items.map((item) => ("doc" in item ? `ok@${item.line}` : `bad@${item.line}`))).toEqual([
      "ok@1",
      "bad@2",
      "bad@3",
      "ok@4",
      "bad@5",
    ]);
  });
});

describe("export from the user collection", () => {
  it("maps fields by configuration and puts every bad document in the rejects file with its line and reason", async () => {
    const file = write(
      "users.json",
      [
        canonical(1),
        `{"_id":{"$oid":"${oid(2)}"},"user_id":"${uid(2)}"}`,
        `{"_id":{"$oid":"${oid(3)}"},"user_id":"not-an-id","email":"user3@example.com"}`,
        `{"_id":{"$oid":"${oid(4)}"},"user_id":"${uid(4)}","email":"no at sign"}`,
        "garbage",
        canonical(6),
      ].join("\n"),
    );
    const out = join(dir, "collection.ndjson");
    const { manifest, paths } = await exportSnapshot({
      out,
      collection: { kind: "mongoexport", file },
      fields: FIELDS,
    });
    expect(manifest).toMatchObject({ users: 2, rejects: 4, bySource: { mongoexport: 2 } });
    const users = (await all(readSnapshot(out))).flatMap((entry) => ("user" in entry ? [entry.user] : []));
    // No status field is configured: a user document proves no confirmed email, so the user is pending.
    expect(users[0]).toEqual({
      realmUserId: uid(1),
      email: "user1@example.com",
      mongoId: oid(1),
      confirmed: false,
      disabled: false,
      extra: { name: "N, 1", plan: "1" },
      at: { kind: "file", file, line: 1 },
      source: "mongoexport",
    });
    const rejects = readFileSync(paths.rejects, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rejects.map((reject) => `${reject.line}:${reject.reason.split(":")[0]}`)).toEqual([
      "2:email",
      "3:user_id",
      "4:email",
      "5:not a JSON object",
    ]);
    expect(await checkSnapshot(out)).toEqual([]);
    writeFileSync(paths.manifest, '{"format": "realm-to-cognito/snap');
    expect(await checkSnapshot(out)).toEqual([`manifest ${paths.manifest} is not valid`]);
  });

  it("refuses a snapshot path it cannot write with an OUTPUT error instead of crashing on the stream", async () => {
    const file = write("one.json", canonical(1));
    await expect(
      exportSnapshot({
        out: join(dir, "no-such-folder", "users.ndjson"),
        collection: { kind: "mongoexport", file },
        fields: FIELDS,
      }),
    ).rejects.toMatchObject({ code: "OUTPUT", message: expect.stringContaining("no-such-folder") });
  });

  it("resumes after the last _id written, cutting a torn last line, and ends with the same bytes as one run", async () => {
    const file = write("resume.json", Array.from({ length: 8 }, (_, i) => canonical(i + 1)).join("\n"));
    const whole = join(dir, "whole.ndjson");
    const once = await exportSnapshot({
      out: whole,
      collection: { kind: "mongoexport", file },
      fields: FIELDS,
    });
    const partial = join(dir, "partial.ndjson");
    const lines = readFileSync(whole, "utf8").split("\n");
    writeFileSync(partial, `${lines.slice(0, 3).join("\n")}\n`);
    appendFileSync(partial, lines[3]!.slice(0, 20)); // killed mid-line
    const resumed = await exportSnapshot({
      out: partial,
      collection: { kind: "mongoexport", file },
      fields: FIELDS,
      resume: true,
    });
    expect(readFileSync(partial, "utf8")).toBe(readFileSync(whole, "utf8"));
    expect(resumed.manifest.sha256).toBe(once.manifest.sha256);
    expect(resumed.manifest.users).toBe(8);
  });

  it("reads the collection through a driver-shaped cursor sorted by _id, resuming with $gt", async () => {
    const docs = Array.from({ length: 5 }, (_, i) => ({
      _id: new ObjectId(oid(i + 1)),
      user_id: uid(i + 1),
      email: `user${i + 1}@example.com`,
    }));
    const seen: Array<Record<string, unknown>> = [];
    const collection: UserCollectionReader = {
      find(filter, options) {
        seen.push({ filter, options });
        const after = (filter._id as { $gt?: ObjectId } | undefined)?.$gt;
        return (async function* () {
          for (const doc of docs) if (!after || doc._id.toHexString() > after.toHexString()) yield doc;
        })();
      },
    };
    const resumed = await all(collectionUsers(collection, FIELDS, { afterId: new ObjectId(oid(3)) }));
    expect(resumed.map((item) => ("user" in item ? item.user.mongoId : "x"))).toEqual([oid(4), oid(5)]);
    expect(seen[0]).toMatchObject({ options: { sort: { _id: 1 } } });
  });
});

describe.skipIf(!process.env.MONGODB_URI)(
  "the user collection through the real MongoDB driver (MONGODB_URI)",
  () => {
    it("exports every document and resumes after the last _id", async () => {
      const { MongoClient } = await import("mongodb");
      const mongo = new MongoClient(process.env.MONGODB_URI!);
      await mongo.connect();
      const db = mongo.db(`r2c_test_${Date.now()}`);
      try {
        await db.collection("users").insertMany(
          Array.from({ length: 7 }, (_, i) => ({
            _id: new ObjectId(oid(i + 1)),
            user_id: uid(i + 1),
            email: `user${i + 1}@example.com`,
          })),
        );
        const out = join(dir, "driver.ndjson");
        const first = await exportSnapshot({
          out,
          collection: { kind: "driver", collection: db.collection("users") },
          fields: FIELDS,
        });
        expect(first.manifest.users).toBe(7);
        writeFileSync(out, `${readFileSync(out, "utf8").split("\n").slice(0, 4).join("\n")}\n`);
        const resumed = await exportSnapshot({
          out,
          collection: { kind: "driver", collection: db.collection("users") },
          fields: FIELDS,
          resume: true,
        });
        expect(resumed.manifest.sha256).toBe(first.manifest.sha256);
      } finally {
        await db.dropDatabase();
        await mongo.close();
      }
    });
  },
);
if (!process.env.MONGODB_URI)
  console.info(
    "SKIPPED: the MongoDB driver suite needs MONGODB_URI; the same mapping and resume logic ran through mongoexport files.",
  );
