import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DIRECTORY_FILE_HEADER,
  emailKey,
  formatSnapshotLine,
  isDirectoryEligible,
  type SnapshotLine,
  type SourceUser,
} from "@realm-to-cognito/core";
import { SnapshotDirectory, SortedDirectoryFile } from "@realm-to-cognito/trigger";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { writeDirectoryFile } from "../src/directory-file.js";
import { tempDir } from "./helpers.js";

const hex24 = (n: number) => n.toString(16).padStart(24, "0");

// Emails that collide on their key (case), carry non-ASCII letters (UTF-8 order differs from UTF-16
// order past U+FFFF), or repeat one Realm user from two sources.
const localPart = fc.constantFrom("ada", "Ada", "ADA", "bob", "zoë", "Zoë", "𝒜da", "ｚed", "eve", "o'brien");
const userArbitrary = fc.record({
  local: localPart,
  domain: fc.constantFrom("example.com", "Example.com", "exämple.org"),
  id: fc.integer({ min: 1, max: 40 }),
  confirmed: fc.boolean(),
  disabled: fc.boolean(),
  noId: fc.boolean(),
  mongo: fc.boolean(),
});

type GeneratedUser = typeof userArbitrary extends fc.Arbitrary<infer T> ? T : never;

function snapshotOf(users: readonly GeneratedUser[]): SnapshotLine[] {
  return users.map((user) => ({
    ...(user.noId ? {} : { realmUserId: hex24(user.id) }),
    email: `${user.local}${user.id % 3}@${user.domain}`,
    ...(user.mongo ? { mongoId: hex24(1000 + user.id) } : {}),
    confirmed: user.confirmed,
    disabled: user.disabled,
    source: user.noId ? "pending-registrations" : "admin-api",
  }));
}

/**
 * What the forgot-password path does with a lookup: an eligible user is migrated with these fields;
 * anything else is refused alike (the loaded index also returns ineligible users, for its log reason).
 */
function migratable(user: SourceUser | undefined) {
  if (user === undefined || !isDirectoryEligible(user)) return undefined;
  return { realmUserId: user.realmUserId, email: user.email, mongoId: user.mongoId, extra: user.extra };
}

describe("the trigger's sorted user directory file", () => {
  it("answers every lookup exactly as the trigger's index of the same snapshot does", async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(userArbitrary, { minLength: 0, maxLength: 120 }), async (users) => {
        cases++;
        const dir = tempDir();
        const snapshot = join(dir, "users.ndjson");
        const lines = snapshotOf(users);
        writeFileSync(snapshot, lines.map((line) => `${formatSnapshotLine(line)}\n`).join(""));
        const out = join(dir, "users.directory");
        await writeDirectoryFile(snapshot, out);
        const loaded = new SnapshotDirectory(snapshot);
        const searched = new SortedDirectoryFile(out);
        const asked = [...new Set(lines.map((line) => line.email)), "nobody@example.com", "ÿ@z", "a@a"];
        for (const email of asked)
          for (const typed of [email, email.toUpperCase()])
            expect(migratable(await searched.findByEmail(typed)), typed).toEqual(
              migratable(await loaded.findByEmail(typed)),
            );
      }),
      { numRuns: 60 },
    );
    expect(cases).toBe(60);
  });

  it("is sorted by UTF-8 bytes with one line a key, counts what it left out, and is found with a few reads among 30,000 users", async () => {
    const dir = tempDir();
    const snapshot = join(dir, "big.ndjson");
    const users: SnapshotLine[] = Array.from({ length: 30_000 }, (_, i) => ({
      realmUserId: hex24(i + 1),
      email: `user${i}@example.com`,
      confirmed: i % 10 !== 0,
      disabled: i % 17 === 0,
      source: "admin-api" as const,
      // Long lines now and then, so probes land inside lines longer than a 4 kB read.
      ...(i % 997 === 0 ? { extra: { bio: "x".repeat(9_000) } } : {}),
    }));
    users.push({ ...users[5]!, realmUserId: hex24(99_999) }); // user5's email under another Realm user
    writeFileSync(snapshot, `${users.map(formatSnapshotLine).join("\n")}\nnot json\n`);
    const out = join(dir, "big.directory");
    const summary = await writeDirectoryFile(snapshot, out);
    const eligible = users.slice(0, 30_000).filter((user) => user.confirmed && !user.disabled).length;
    expect(summary).toMatchObject({ users: eligible - 1, ambiguous: 1, badLines: 1 });
    expect(summary.notEligible).toBe(30_000 - eligible);

    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(lines[0]!.startsWith(`${DIRECTORY_FILE_HEADER}\t`)).toBe(true);
    const keys = lines.slice(1).map((line) => line.slice(0, line.indexOf("\t")));
    expect(keys).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect(new Set(keys).size).toBe(keys.length);

    const directory = new SortedDirectoryFile(out);
    expect(await directory.findByEmail("USER5@example.com")).toBeUndefined(); // shared by two users
    for (const i of [1, 2, 997 * 3 + 1, 1994, 29_999, 28_001]) {
      const user = users[i]!;
      const found = await directory.findByEmail(user.email);
      if (user.confirmed && !user.disabled)
        expect(found, user.email).toMatchObject({ realmUserId: user.realmUserId });
      else expect(found, user.email).toBeUndefined();
    }
    expect(await directory.findByEmail(users[1994]!.email)).toMatchObject({
      extra: { bio: "x".repeat(9_000) },
    });
    expect(await directory.findByEmail("user30000@example.com")).toBeUndefined();
    expect(await directory.findByEmail(emailKey("0@first.example"))).toBeUndefined();
  });
  it("refuses an output it cannot write before reading anything, and leaves no partial file when the snapshot is missing", async () => {
    const dir = tempDir();
    const snapshot = join(dir, "s.ndjson");
    writeFileSync(snapshot, "");
    await expect(
      writeDirectoryFile(snapshot, join(dir, "missing-folder", "users.directory")),
    ).rejects.toMatchObject({
      code: "OUTPUT",
      message: expect.stringContaining("give a path in a writable folder"),
    });
    const out = join(dir, "users.directory");
    await expect(writeDirectoryFile(join(dir, "nope.ndjson"), out)).rejects.toMatchObject({
      code: "SNAPSHOT",
    });
    expect(readdirSync(dir).sort()).toEqual(["s.ndjson"]);
  });
  it("refuses a damaged line of the file with a directory error that does not quote it", async () => {
    const dir = tempDir();
    const snapshot = join(dir, "users.ndjson");
    writeFileSync(
      snapshot,
      `${formatSnapshotLine({ realmUserId: hex24(1), email: "ada@example.com", confirmed: true, disabled: false, source: "admin-api" })}\n`,
    );
    const out = join(dir, "users.directory");
    await writeDirectoryFile(snapshot, out);
    writeFileSync(out, readFileSync(out, "utf8").replace('{"realmUserId"', "{realmUserId"));
    const error = await new SortedDirectoryFile(out).findByEmail("ada@example.com").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MIGRATION_REFUSED", reason: "directory-unavailable" });
    expect((error as Error).message).not.toContain("ada@example.com");
  });
});
