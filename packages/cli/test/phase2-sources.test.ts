// Sources against the sandbox: users one source has and the other lacks are reported; flowerbase's
// auth_users exports with each user's status; doctor warns about the default email sender.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCommand } from "../src/commands/export.js";
import { runDoctor } from "../src/doctor.js";
import { createServices } from "../src/services.js";
import { readSnapshot } from "../src/snapshot-file.js";
import { runMain } from "./helpers.js";
import { type CliSandbox, startCliSandbox } from "./sandbox.js";

const services = createServices();

let sandbox: CliSandbox;
beforeAll(async () => {
  sandbox = await startCliSandbox({ users: 80 });
}, 60_000);
afterAll(async () => {
  await sandbox?.stop();
});

const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);

describe("joining the Admin API and the user collection", () => {
  it("reports Realm users without a user document and documents without a Realm user (the first passed silently before)", async () => {
    const file = join(sandbox.dir, "collection.json");
    await sandbox.realm.exportUserCollection(file);
    const documents = lines(file);
    const dropped = JSON.parse(documents[0]!) as { user_id: string };
    const stranger = documents[1]!
      .replace(/"user_id":"[0-9a-f]{24}"/, '"user_id":"0123456789abcdef01234567"')
      .replace(/"\$oid":"[0-9a-f]{24}"/, '"$oid":"0123456789abcdef01234568"');
    writeFileSync(file, `${[...documents.slice(1), stranger].join("\n")}\n`);
    const out = join(sandbox.dir, "joined.ndjson");
    const result = await exportCommand(
      services,
      { config: sandbox.config(), quiet: true },
      { out, adminApi: true, mongoexport: file, collection: false, pending: true, resume: false },
    );
    expect(result.manifest.unmatched).toEqual({ withoutUserDocument: 1, documentWithoutUser: 1 });
    const unmatched = lines(result.paths.unmatched).map((line) => JSON.parse(line));
    expect(unmatched).toEqual([
      expect.objectContaining({
        kind: "withoutUserDocument",
        realmUserId: dropped.user_id,
        at: expect.objectContaining({ kind: "admin-api", list: "users" }),
      }),
      expect.objectContaining({
        kind: "documentWithoutUser",
        realmUserId: "0123456789abcdef01234567",
        at: { kind: "file", file, line: documents.length },
      }),
    ]);
    const rejects = lines(result.paths.rejects).map((line) => JSON.parse(line));
    expect(rejects).toContainEqual(
      expect.objectContaining({
        at: { kind: "file", file, line: documents.length },
        reason: expect.stringContaining("not a user of the app"),
      }),
    );
  });
});

describe("flowerbase as a source", () => {
  it("exports auth_users with each user's status and positions, through the command line", async () => {
    const file = join(sandbox.dir, "auth_users.json");
    const id = (i: number) => `65a1b2c3d4e5f60718293${String(i).padStart(3, "0")}`;
    const authUser = (i: number, status: string) =>
      JSON.stringify({
        _id: { $oid: id(i) },
        email: `fb${i}@example.com`,
        password: `${"ab".repeat(64)}.${"cd".repeat(128)}`,
        status,
        createdAt: { $date: "2024-01-02T03:04:05Z" },
        identities: [{ id: id(i), provider_id: id(i), provider_type: "local-userpass", provider_data: {} }],
      });
    writeFileSync(
      file,
      [authUser(1, "confirmed"), authUser(2, "pending"), authUser(3, "failed"), authUser(4, "odd")].join(
        "\n",
      ),
    );
    const out = join(sandbox.dir, "flowerbase.ndjson");
    const ran = await runMain("--json", "--quiet", "export", "-o", out, "--flowerbase", file);
    expect(ran.code).toBe(0);
    const result = JSON.parse(ran.stdout);
    expect(result.manifest).toMatchObject({
      users: 3,
      rejects: 1,
      bySource: { flowerbase: 3 },
      byState: { confirmed: 1, pending: 2, disabled: 0 },
    });
    const users = [];
    for await (const entry of readSnapshot(out)) if ("user" in entry) users.push(entry.user);
    expect(users.map((user) => [user.realmUserId, user.confirmed, user.at])).toEqual([
      [id(1), true, { kind: "file", file, line: 1 }],
      [id(2), false, { kind: "file", file, line: 2 }],
      [id(3), false, { kind: "file", file, line: 3 }],
    ]);
    expect(readFileSync(out, "utf8")).not.toContain("abab");
    expect(JSON.parse(lines(result.paths.rejects)[0]!)).toMatchObject({
      at: { line: 4 },
      reason: expect.stringContaining('"odd"'),
    });
  });
});

describe("flowerbase joined with its custom user data", () => {
  it("fills mongo ids from the user collection by flowerbase's user id, and reports who has no document", async () => {
    const auth = join(sandbox.dir, "fb-auth.json");
    const data = join(sandbox.dir, "fb-users.json");
    const id = (i: number) => `65b1b2c3d4e5f60718293${String(i).padStart(3, "0")}`;
    writeFileSync(
      auth,
      [1, 2]
        .map((i) =>
          JSON.stringify({ _id: { $oid: id(i) }, email: `fbj${i}@example.com`, status: "confirmed" }),
        )
        .join("\n"),
    );
    // flowerbase's custom user data links a document to its user by `id` (user_id_field's default).
    writeFileSync(
      data,
      `${JSON.stringify({ _id: { $numberLong: "9007199254740993" }, id: id(1), email: "fbj1@example.com" })}\n`,
    );
    const out = join(sandbox.dir, "fb-joined.ndjson");
    const ran = await runMain(
      "--json",
      "--quiet",
      "export",
      "-o",
      out,
      "--flowerbase",
      auth,
      "--mongoexport",
      data,
      "--user-id-field",
      "id",
    );
    expect(ran.code).toBe(0);
    const result = JSON.parse(ran.stdout);
    expect(result.manifest.unmatched).toEqual({ withoutUserDocument: 1, documentWithoutUser: 0 });
    const users = [];
    for await (const entry of readSnapshot(out)) if ("user" in entry) users.push(entry.user);
    expect(users.map((user) => [user.email, user.mongoId])).toEqual([
      ["fbj1@example.com", "9007199254740993"],
      ["fbj2@example.com", undefined],
    ]);
  });
});

describe("doctor on the sandbox pool", () => {
  it("warns that Cognito's default sender cannot mail the snapshot's users in a day, and checks the client's auth flows", async () => {
    const pool = await sandbox.newPool();
    const out = join(sandbox.dir, "doctor.ndjson");
    const exported = await exportCommand(
      services,
      { config: sandbox.config(), quiet: true },
      { out, adminApi: true, collection: false, pending: true, resume: false },
    );
    expect(exported.manifest.users).toBeGreaterThan(50);
    const config = sandbox.config({ userPoolId: pool.userPoolId, clientId: pool.clientId });
    const report = await runDoctor({
      config,
      cognito: sandbox.cognito.client(),
      realm: services,
      snapshot: out,
    });
    const sender = report.checks.find((check) => check.what.includes("default email sender"));
    expect(sender).toMatchObject({
      ok: false,
      fix: expect.stringContaining("EmailSendingAccount to DEVELOPER"),
    });
    const flows = report.checks.filter((check) => check.what.includes(`app client ${pool.clientId}`));
    expect(
      flows
        .filter((check) => /ALLOW_USER_PASSWORD_AUTH|ALLOW_REFRESH_TOKEN_AUTH/.test(check.what))
        .every((check) => check.ok),
    ).toBe(true);
    expect(
      flows.some((check) =>
        check.what.includes("ALLOW_ADMIN_USER_PASSWORD_AUTH, which nothing of the migration uses"),
      ),
    ).toBe(true);
  });
});
