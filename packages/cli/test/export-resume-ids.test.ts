import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Int32 } from "bson";
import { describe, expect, it } from "vitest";
import { exportSnapshot } from "../src/export.js";
import { tempDir } from "./helpers.js";

const FIELDS = { userIdField: "user_id", emailField: "email", mongoIdField: "_id", extraFields: [] };

describe("resuming an export from the collection", () => {
  it("refuses to resume after a numeric _id, whose $gt across BSON types would skip users silently", async () => {
    const dir = tempDir();
    const out = join(dir, "users.ndjson");
    writeFileSync(
      out,
      `${JSON.stringify({ realmUserId: "64f65e24c2f20a0e2dff0001", email: "a@example.com", mongoId: "42", confirmed: false, disabled: false, source: "mongo-collection" })}\n`,
    );
    const asked: unknown[] = [];
    const collection = {
      async *find(filter: Record<string, unknown>) {
        asked.push(filter);
        yield { _id: new Int32(43), user_id: "64f65e24c2f20a0e2dff0002", email: "b@example.com" };
      },
    };
    await expect(
      exportSnapshot({ out, resume: true, collection: { kind: "driver", collection }, fields: FIELDS }),
    ).rejects.toThrow(/cannot resume after _id "42"/);
    expect(asked).toEqual([]);
  });
});
