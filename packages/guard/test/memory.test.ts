import { describe, expect, it } from "vitest";
import { MemoryClient } from "../src/memory.js";

// The in-memory stand-in must behave as MongoDB does, or the guard's suites prove nothing.
function people() {
  const collection = new MemoryClient().db("app").collection("people");
  collection.documents.push(
    { _id: 1, name: "ada", age: 36 },
    { _id: 2, name: "bob", age: 25 },
    { _id: 3, name: "cy", age: 41 },
  );
  return collection;
}

describe("the in-memory collection's findOneAndDelete", () => {
  it("deletes the first match in sort order and returns it, projected as asked", async () => {
    const collection = people();
    expect(await collection.findOneAndDelete({ age: { $gt: 30 } }, { sort: { age: -1 } })).toEqual({
      _id: 3,
      name: "cy",
      age: 41,
    });
    expect(await collection.findOneAndDelete({}, { projection: { name: 1 } })).toEqual({
      _id: 1,
      name: "ada",
    });
    expect(collection.documents).toEqual([{ _id: 2, name: "bob", age: 25 }]);
  });

  it("returns null and deletes nothing when nothing matches", async () => {
    const collection = people();
    expect(await collection.findOneAndDelete({ name: "zed" }, {})).toBeNull();
    expect(collection.documents).toHaveLength(3);
  });
});

describe("the in-memory collection's findOneAndReplace", () => {
  it("replaces the first match in sort order, keeping _id, and returns it before by default", async () => {
    const collection = people();
    expect(await collection.findOneAndReplace({}, { name: "dee" }, { sort: { age: 1 } })).toEqual({
      _id: 2,
      name: "bob",
      age: 25,
    });
    expect(collection.documents[1]).toEqual({ _id: 2, name: "dee" });
    expect(
      await collection.findOneAndReplace({ _id: 1 }, { name: "eve" }, { returnDocument: "after" }),
    ).toEqual({ _id: 1, name: "eve" });
  });

  it("upserts from the replacement and the filter's _id only, returning null unless asked for after", async () => {
    const collection = people();
    expect(await collection.findOneAndReplace({ name: "fay" }, { age: 9 }, { upsert: true })).toBeNull();
    const created = collection.documents[3];
    expect(created).toMatchObject({ age: 9 });
    expect(created).not.toHaveProperty("name");
    expect(
      await collection.findOneAndReplace(
        { _id: 7, name: "gus" },
        { age: 3 },
        { upsert: true, returnDocument: "after", projection: { age: 1, _id: 0 } },
      ),
    ).toEqual({ age: 3 });
    expect(collection.documents[4]).toEqual({ _id: 7, age: 3 });
    expect(await collection.findOneAndReplace({ _id: 8 }, { age: 1 }, {})).toBeNull();
    expect(collection.documents).toHaveLength(5);
  });
});
