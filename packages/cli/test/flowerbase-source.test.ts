import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import {
  type AuthUsersReader,
  flowerbaseCollectionUsers,
  flowerbaseFileUsers,
  type PositionedItem,
} from "../src/sources/flowerbase.js";
import { tempDir } from "./helpers.js";

const dir = tempDir("r2c-flowerbase-");
const id = (i: number) => `65a1b2c3d4e5f60718293${String(i).padStart(3, "0")}`;
// As flowerbase's registration writes a user, as mongoexport prints it.
const authUserLine = (i: number, status: string, email = `user${i}@example.com`) =>
  JSON.stringify({
    _id: { $oid: id(i) },
    email,
    password: `${"ab".repeat(64)}.${"cd".repeat(128)}`,
    status,
    createdAt: { $date: { $numberLong: "1700000000000" } },
    identities: [
      { id: id(i), provider_id: id(i), provider_type: "local-userpass", provider_data: { email } },
    ],
  });

async function all(items: AsyncIterable<PositionedItem>): Promise<PositionedItem[]> {
  const out: PositionedItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("flowerbase auth_users as a source", () => {
  it("exports each user with its status and each bad document with its line in the operator's file", async () => {
    const file = join(dir, "auth_users.json");
    writeFileSync(
      file,
      `\ufeff${authUserLine(1, "confirmed")}\r\n${authUserLine(2, "pending")}\r\n${authUserLine(3, "failed")}\r\n{"_id":{"$oid":"${id(4)}"},"email":"x@y.co"\r\n${authUserLine(5, "confirmed", "bad\u0000@example.com")}\r\n`,
    );
    const items = await all(flowerbaseFileUsers(file));
    expect(items).toHaveLength(5);
    const users = items.flatMap((item) => ("user" in item ? [item.user] : []));
    expect(users.map((user) => [user.realmUserId, user.confirmed, user.at])).toEqual([
      [id(1), true, { kind: "file", file, line: 1 }],
      [id(2), false, { kind: "file", file, line: 2 }],
      [id(3), false, { kind: "file", file, line: 3 }],
    ]);
    expect(users.every((user) => user.source === "flowerbase")).toBe(true);
    const rejects = items.flatMap((item) => ("rejected" in item ? [item.rejected] : []));
    expect(rejects.map((row) => [row.at, row.reason])).toEqual([
      [{ kind: "file", file, line: 4 }, "the document does not end on its line"],
      [{ kind: "file", file, line: 5 }, "email: holds the control character U+0000"],
    ]);
    expect(JSON.stringify(items)).not.toContain("abab");
  });

  it("reads the collection in _id order without fetching password hashes", async () => {
    const seen: unknown[] = [];
    const reader: AuthUsersReader = {
      async *find(filter, options) {
        seen.push(filter, options);
        yield {
          _id: new ObjectId(id(1)),
          email: "a@example.com",
          status: "confirmed",
          createdAt: new Date(0),
        };
        yield { _id: new ObjectId(id(2)), email: "b@example.com", status: "pending" };
        yield { _id: "not-an-oid", email: "c@example.com", status: "confirmed" };
      },
    };
    const items = await all(flowerbaseCollectionUsers(reader));
    expect(seen[1]).toMatchObject({ sort: { _id: 1 }, projection: { password: 0 } });
    expect(items.map((item) => ("user" in item ? item.user.confirmed : item.rejected.reason))).toEqual([
      true,
      false,
      '_id: "not-an-oid" is not an ObjectId, so not a flowerbase user id',
    ]);
    expect(items[2]).toMatchObject({
      rejected: { at: { kind: "collection", collection: "auth_users", index: 3 } },
    });
  });
});
