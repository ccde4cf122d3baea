// The bad-input corpus through export → plan → import (admin-create, cognito-local) → verify: every
// line of the operator's file ends as exactly one of created, rejected or conflict, and the CLI's own
// outputs (rejects file, plan --json, snapshot) name that line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AddCustomAttributesCommand,
  DescribeUserPoolCommand,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { type CognitoLocal, createProductionShapedPool, startCognitoLocal } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { badInputCorpus, type Outcome } from "./fixtures/bad-input-corpus.js";
import { runMain } from "./helpers.js";

const corpus = badInputCorpus();
let cognito: CognitoLocal;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "r2c-corpus-"));
  cognito = await startCognitoLocal({ dataDir: join(dir, "cognito") });
});
afterAll(async () => {
  await cognito?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Positioned {
  at?: { kind: string; file?: string; line?: number };
  reason: string;
}

describe("the bad-input corpus", () => {
  it("has at least 40 lines, a BOM, CRLF line ends and a line over 1 MB", () => {
    expect(corpus.lines.length).toBeGreaterThanOrEqual(40);
    expect(corpus.text.startsWith("\ufeff")).toBe(true);
    expect(corpus.text.split("\r\n")).toHaveLength(corpus.lines.length);
    expect(corpus.text.split("\r\n").some((line) => Buffer.byteLength(line) > 1024 * 1024)).toBe(true);
  });

  it("accounts for every line by its source line through export, plan, import and verify", async () => {
    const file = join(dir, "users.json");
    writeFileSync(file, corpus.text);
    const client = cognito.client();
    const { userPoolId } = await createProductionShapedPool(client);
    // The sandbox pool declares custom:migration_state (DECISIONS.md §1); an older one is given it here.
    const { UserPool } = await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
    if (!UserPool?.SchemaAttributes?.some((attribute) => attribute.Name === "custom:migration_state"))
      await client.send(
        new AddCustomAttributesCommand({
          UserPoolId: userPoolId,
          CustomAttributes: [{ Name: "migration_state", AttributeDataType: "String", Mutable: true }],
        }),
      );
    const common = [
      "--ledger",
      join(dir, "ledger.db"),
      "--pool-id",
      userPoolId,
      "--endpoint",
      cognito.endpoint,
      "--region",
      "us-east-1",
      "--json",
      "--quiet",
    ];
    const snapshot = join(dir, "users.ndjson");

    const exported = await runMain(
      ...common,
      "export",
      "-o",
      snapshot,
      "--mongoexport",
      file,
      "--user-id-field",
      "user_id",
      "--status-field",
      "status",
    );
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    const planned = await runMain(...common, "plan", "-s", snapshot, "--include-pending");
    expect(planned.code).toBe(0);
    const imported = await runMain(
      ...common,
      "import",
      "-s",
      snapshot,
      "--include-pending",
      "--engine",
      "admin-create",
    );
    expect(imported.code).toBe(0);
    const verified = await runMain(...common, "verify", "-s", snapshot);
    expect(JSON.parse(verified.stdout).differences).toEqual([]);

    const outcomes = new Map<number, Array<{ outcome: Outcome; reason?: string }>>();
    const record = (line: number | undefined, outcome: Outcome, reason?: string) => {
      expect(line, `an outcome without a source line: ${outcome} ${reason}`).toBeTypeOf("number");
      outcomes.set(line!, [...(outcomes.get(line!) ?? []), { outcome, ...(reason ? { reason } : {}) }]);
    };
    // Export rejects, each with its line in the operator's file.
    const rejects = readFileSync(join(dir, "users.rejects.ndjson"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Positioned);
    for (const row of rejects) {
      expect(row.at).toMatchObject({ kind: "file", file });
      record(row.at?.line, "rejected", row.reason);
    }
    // Plan's rejects and conflicts, each with its line in the operator's file.
    const plan = JSON.parse(planned.stdout) as {
      items: Array<Positioned & { action: string }>;
      counts: Record<string, number>;
      exportRejects: { count: number };
    };
    // plan --json alone accounts for the whole file: what export rejected, and each snapshot line.
    expect(
      plan.exportRejects.count + plan.counts.create! + plan.counts.rejected! + plan.counts.conflict!,
    ).toBe(corpus.lines.length);
    for (const item of plan.items) {
      if (item.action === "rejected" || item.action === "conflict") {
        expect(item.at).toMatchObject({ kind: "file", file });
        record(item.at?.line, item.action as Outcome, item.reason);
      }
    }
    // Created users: in the pool, found back through the snapshot's position of their Realm user id.
    const lineOfRealmId = new Map<string, number>();
    for (const text of readFileSync(snapshot, "utf8").split("\n").filter(Boolean)) {
      const user = JSON.parse(text) as { realmUserId?: string; at?: { line: number } };
      if (user.realmUserId && user.at && !lineOfRealmId.has(user.realmUserId))
        lineOfRealmId.set(user.realmUserId, user.at.line);
    }
    const pool = (await client.send(new ListUsersCommand({ UserPoolId: userPoolId }))).Users ?? [];
    const attributesOf = (user: (typeof pool)[number]) =>
      Object.fromEntries((user.Attributes ?? []).map((attribute) => [attribute.Name, attribute.Value]));
    for (const user of pool)
      record(lineOfRealmId.get(attributesOf(user)["custom:realm_user_id"]!), "created");

    for (const expected of corpus.lines) {
      const got = outcomes.get(expected.line) ?? [];
      expect(got, `line ${expected.line} (${expected.what})`).toHaveLength(1);
      expect(got[0]!.outcome, `line ${expected.line} (${expected.what}): ${got[0]!.reason}`).toBe(
        expected.outcome,
      );
      if (expected.reason)
        expect(got[0]!.reason, `line ${expected.line} (${expected.what})`).toContain(expected.reason);
    }
    const count = (outcome: Outcome) =>
      [...outcomes.values()].filter((list) => list[0]!.outcome === outcome).length;
    expect(count("created") + count("rejected") + count("conflict")).toBe(corpus.lines.length);
    expect(outcomes.size).toBe(corpus.lines.length);

    // What the created users carry: deterministic _id strings, the import marker, pending stays unverified.
    const byEmail = new Map(pool.map((user) => [attributesOf(user).email, attributesOf(user)]));
    expect(byEmail.get("line5@example.com")?.["custom:mongo_id"]).toBe("9223372036854775807");
    expect(byEmail.get("line9@example.com")?.["custom:mongo_id"]).toBe("0");
    expect(byEmail.get("line15@example.com")?.["custom:mongo_id"]).toBe(
      "uuid:f47ac10b-58cc-4372-a567-0e02b2c3d479",
    );
    expect(byEmail.get("line44@example.com")?.email_verified).toBe("false");
    expect(byEmail.get("line1@example.com")?.email_verified).toBe("true");
    expect(pool.every((user) => attributesOf(user)["custom:migration_state"] === "imported")).toBe(true);
    process.stdout.write(
      `corpus: ${corpus.lines.length} lines → created ${count("created")}, rejected ${count("rejected")}, conflict ${count("conflict")}\n`,
    );
  }, 120_000);
});
