import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileRulesFile, createGuard, loadAppRules, RulesError } from "../src/index.js";
import { MemoryClient } from "../src/memory.js";
import { realmUser } from "./fixtures.js";

function loadError(json: unknown): RulesError {
  try {
    compileRulesFile(json, "data_sources/mongodb-atlas/app/things/rules.json");
  } catch (error) {
    if (error instanceof RulesError) return error;
    throw error;
  }
  throw new Error("expected the rules to be refused");
}

describe("loading an exported app", () => {
  let app: string;

  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), "guard-rules-"));
    const files: Record<string, unknown> = {
      "data_sources/mongodb-atlas/config.json": {
        name: "mongodb-atlas",
        type: "mongodb-atlas",
        config: { clusterName: "c0" },
      },
      "data_sources/mongodb-atlas/default_rule.json": {
        roles: [
          {
            name: "readAll",
            apply_when: {},
            document_filters: { read: true, write: false },
            read: true,
            write: false,
          },
        ],
        filters: [],
      },
      "data_sources/mongodb-atlas/shop/orders/rules.json": {
        database: "shop",
        collection: "orders",
        roles: [{ name: "owner", apply_when: { customer_id: "%%user.id" }, read: true, write: true }],
        filters: [],
      },
      "values/region.json": { name: "region", value: "eu", from_secret: false },
      "auth/custom_user_data.json": {
        enabled: true,
        mongo_service_name: "mongodb-atlas",
        database_name: "shop",
        collection_name: "customers",
        user_id_field: "user_id",
      },
      "values/apiKey.json": { name: "apiKey", value: "secret-name", from_secret: true },
    };
    for (const [path, json] of Object.entries(files)) {
      await mkdir(dirname(join(app, path)), { recursive: true });
      await writeFile(join(app, path), JSON.stringify(json));
    }
  });

  afterAll(async () => {
    await rm(app, { recursive: true, force: true });
  });

  it("reads collection rules, the default rule and the non-secret values", async () => {
    const rules = await loadAppRules(app);
    const service = rules.services.get("mongodb-atlas");
    expect(service?.rulesFor("shop", "orders").roles.map((role) => role.name)).toEqual(["owner"]);
    expect(service?.rulesFor("shop", "products").roles.map((role) => role.name)).toEqual(["readAll"]);
    expect(rules.values).toEqual({ region: "eu" });
    expect(rules.customUserData).toEqual({
      service: "mongodb-atlas",
      database: "shop",
      collection: "customers",
      userIdField: "user_id",
    });
  });

  it("enforces the loaded rules: own orders only, and the default rule for other collections", async () => {
    const rules = await loadAppRules(app);
    const client = new MemoryClient();
    client
      .db("shop")
      .collection("orders")
      .documents.push({ _id: 1, customer_id: "u1" }, { _id: 2, customer_id: "u2" });
    client.db("shop").collection("products").documents.push({ _id: 1, name: "p" });
    const guard = createGuard({ rules, user: realmUser("u1"), client });
    expect(await guard.collection("shop", "orders").find({}).toArray()).toEqual([
      { _id: 1, customer_id: "u1" },
    ]);
    expect(await guard.collection("shop", "products").find({}).toArray()).toEqual([{ _id: 1, name: "p" }]);
    expect((await guard.collection("shop", "products").deleteMany({})).deletedCount).toBe(0);
  });

  it("names the file and the field of a rule it cannot interpret", async () => {
    const broken = join(app, "data_sources/mongodb-atlas/shop/broken/rules.json");
    await mkdir(dirname(broken), { recursive: true });
    await writeFile(
      broken,
      JSON.stringify({
        roles: [{ name: "x", apply_when: { "%%user.id": { "%function": { name: "isOwner" } } } }],
      }),
    );
    try {
      await expect(loadAppRules(app)).rejects.toMatchObject({
        code: "INVALID_RULES",
        file: "data_sources/mongodb-atlas/shop/broken/rules.json",
        field: "roles[0].apply_when.%%user.id.%function",
      });
    } finally {
      await rm(dirname(broken), { recursive: true });
    }
  });

  it("refuses a rules file that is not JSON", async () => {
    const broken = join(app, "data_sources/mongodb-atlas/shop/bad/rules.json");
    await mkdir(dirname(broken), { recursive: true });
    await writeFile(broken, "{ roles: ");
    try {
      await expect(loadAppRules(app)).rejects.toBeInstanceOf(RulesError);
    } finally {
      await rm(dirname(broken), { recursive: true });
    }
  });
});

describe("rules the guard refuses at load time", () => {
  it("refuses %function anywhere", () => {
    expect(loadError({ roles: [{ name: "r", read: { "%function": { name: "f" } } }] }).field).toBe(
      "roles[0].read.%function",
    );
  });

  it("refuses an operator it does not know", () => {
    expect(loadError({ roles: [{ name: "r", apply_when: { email: { $where: "x" } } }] }).field).toBe(
      "roles[0].apply_when.email.$where",
    );
  });

  it("refuses expansions it cannot evaluate", () => {
    expect(
      loadError({ roles: [{ name: "r", apply_when: { "%%request.remoteIPAddress": "1.2.3.4" } }] }).message,
    ).toContain("%%request");
    expect(loadError({ roles: [{ name: "r", apply_when: { "%%user.password": "x" } }] }).message).toContain(
      "%%user",
    );
  });

  it("refuses a comparison between two document fields", () => {
    expect(loadError({ roles: [{ name: "r", apply_when: { owner: "%%root.creator" } }] }).field).toBe(
      "roles[0].apply_when.owner",
    );
  });

  it("refuses unknown keys in a role", () => {
    const error = loadError({ roles: [{ name: "r", read: true, writee: true }] });
    expect(error.field).toBe("roles.0");
    expect(error.message).toContain("writee");
  });

  it("refuses %%root in a filter's apply_when", () => {
    expect(
      loadError({ roles: [], filters: [{ name: "f", apply_when: { "%%root.x": 1 }, query: {} }] }).field,
    ).toBe("filters[0].apply_when");
  });

  it("refuses $where in a filter's query", () => {
    expect(loadError({ roles: [], filters: [{ name: "f", query: { $where: "true" } }] }).field).toBe(
      "filters[0].query",
    );
  });

  it("refuses prototype keys", () => {
    expect(
      loadError(JSON.parse('{"roles":[{"name":"r","apply_when":{"__proto__":{"x":1}}}]}')).message,
    ).toContain("__proto__");
  });

  it("accepts the documented templates", () => {
    const owner = compileRulesFile(
      {
        roles: [
          {
            name: "owner-read-write",
            apply_when: {},
            document_filters: { read: { owner_id: "%%user.id" }, write: { owner_id: "%%user.id" } },
            read: true,
            write: true,
          },
          {
            name: "ThisUser",
            apply_when: { user_id: "%%user.id" },
            insert: false,
            read: true,
            write: true,
            search: false,
            delete: false,
          },
          {
            name: "flags",
            apply_when: { "%%true": true },
            fields: { a: { read: "%%true", fields: { b: { write: true } } } },
            additional_fields: { read: false },
          },
        ],
        filters: [
          {
            name: "f",
            apply_when: { "%%user.data.email": { "%exists": true } },
            query: { owner_id: "%%user.id" },
            projection: { x: 0 },
          },
        ],
      },
      "templates",
    );
    expect(owner.roles).toHaveLength(3);
    expect([...owner.guardedPaths].sort()).toEqual(["owner_id", "user_id"]);
  });
});
