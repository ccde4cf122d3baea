import { describe, expect, it } from "vitest";
import { createGuard, defineAppRules } from "../src/index.js";
import { MemoryClient } from "../src/memory.js";
import { guardErrorCode, realmUser } from "./fixtures.js";

/**
 * Expression channel: user values that are null or missing must not match by absence, and a field
 * holding an array of ids must not make a document several users' own. The Realm-compatible
 * behaviour, run with `userValueArrays: "realm"`, is the control that shows each attack is real.
 */

const rules = defineAppRules(
  {
    "mongodb-atlas": {
      collections: {
        "app.teams": {
          roles: [{ name: "team", apply_when: { team: "%%user.custom_data.team" }, read: true, write: true }],
        },
        "app.owned": {
          roles: [{ name: "owner", apply_when: { owner_id: "%%user.id" }, read: true, write: true }],
        },
        "app.nested": {
          roles: [{ name: "owner", apply_when: { "owner.id": "%%user.id" }, read: true, write: true }],
        },
        "app.shared": {
          roles: [
            {
              name: "member",
              apply_when: { "%%user.id": { "%in": "%%root.members" } },
              read: true,
              write: true,
            },
          ],
        },
        "app.filtered": {
          roles: [{ name: "all", apply_when: {}, read: true, write: false }],
          filters: [{ name: "own", apply_when: {}, query: { owner_id: "%%user.id" } }],
        },
        "app.flagged": {
          roles: [
            {
              name: "same-org",
              apply_when: { "%%user.custom_data.org": "%%values.adminOrg" },
              read: true,
            },
          ],
        },
      },
    },
  },
  { adminOrg: null },
);

function seeded(): MemoryClient {
  const client = new MemoryClient();
  const app = client.db("app");
  app
    .collection("teams")
    .documents.push({ _id: 1, name: "no team field", secret: "S-1" }, { _id: 2, team: "red", secret: "S-2" });
  // The attacker u1 planted documents naming the victim u2 too.
  app.collection("owned").documents.push({ _id: "planted", owner_id: ["u1", "u2"], title: "pay u1" });
  app
    .collection("nested")
    .documents.push({ _id: "planted", owner: [{ id: "u1" }, { id: "u2" }], title: "pay u1" });
  app.collection("shared").documents.push({ _id: "s", members: ["u1", "u2"], title: "shared on purpose" });
  app.collection("filtered").documents.push({ _id: "planted", owner_id: ["u1", "u2"], secret: "S-planted" });
  app.collection("flagged").documents.push({ _id: 1, secret: "S-flag" });
  return client;
}

const guardFor = (
  user: string,
  client: MemoryClient,
  options: { realm?: boolean; custom?: Record<string, unknown> } = {},
) =>
  createGuard({
    rules,
    user: realmUser(user, { custom_data: options.custom ?? {} }),
    client,
    ...(options.realm ? { userValueArrays: "realm" as const } : {}),
  });

describe("expressions: null and missing user values", () => {
  it("a null %%user.custom_data.team matches no document lacking `team` (control: MongoDB's {team: null} does)", async () => {
    const client = seeded();
    const control = await client.db("app").collection("teams").find({ team: null }).toArray();
    expect(control.map((d) => d._id)).toEqual([1]);
    for (const custom of [{ team: null }, {}]) {
      const found = await guardFor("u1", client, { custom }).collection("app", "teams").find({}).toArray();
      expect(found).toEqual([]);
    }
    const red = await guardFor("u1", client, { custom: { team: "red" } })
      .collection("app", "teams")
      .find({})
      .toArray();
    expect(red.map((d) => d._id)).toEqual([2]);
  });

  it("two null values (user and values) do not compare equal", async () => {
    const client = seeded();
    const found = await guardFor("u1", client, { custom: { org: null } })
      .collection("app", "flagged")
      .find({})
      .toArray();
    expect(found).toEqual([]);
  });
});

describe("expressions: owner arrays are strict by default", () => {
  it("the victim does not see the attacker's planted document as their own (control: Realm's matching does)", async () => {
    const client = seeded();
    const realm = await guardFor("u2", client, { realm: true }).collection("app", "owned").find({}).toArray();
    expect(realm.map((d) => d._id)).toEqual(["planted"]);
    expect(await guardFor("u2", client).collection("app", "owned").find({}).toArray()).toEqual([]);
    expect(await guardFor("u1", client).collection("app", "owned").find({}).toArray()).toEqual([]);
  });

  it("nor through an array of sub-documents", async () => {
    const client = seeded();
    const realm = await guardFor("u2", client, { realm: true })
      .collection("app", "nested")
      .find({})
      .toArray();
    expect(realm).toHaveLength(1);
    expect(await guardFor("u2", client).collection("app", "nested").find({}).toArray()).toEqual([]);
  });

  it("nor through a filter's query", async () => {
    const client = seeded();
    const realm = await guardFor("u2", client, { realm: true })
      .collection("app", "filtered")
      .find({})
      .toArray();
    expect(realm).toHaveLength(1);
    expect(await guardFor("u2", client).collection("app", "filtered").find({}).toArray()).toEqual([]);
  });

  it("a document naming another user is not insertable (control: Realm's matching inserts it)", async () => {
    const client = seeded();
    expect(
      await guardErrorCode(
        guardFor("u1", client, { realm: true })
          .collection("app", "owned")
          .insertOne({ owner_id: ["u1", "u3"] }),
      ),
    ).toBe("ACCEPTED");
    expect(
      await guardErrorCode(
        guardFor("u1", client)
          .collection("app", "owned")
          .insertOne({ owner_id: ["u1", "u3"] }),
      ),
    ).toBe("PERMISSION_DENIED");
    expect(
      await guardErrorCode(
        guardFor("u1", client)
          .collection("app", "owned")
          .updateOne({}, { $set: { owner_id: ["u1", "u3"] } }),
      ),
    ).toBe("ACCEPTED");
    expect(
      client
        .db("app")
        .collection("owned")
        .documents.filter((d) => Array.isArray(d.owner_id) && d.owner_id.includes("u3")),
    ).toHaveLength(1);
  });

  it("explicit membership rules (`%%user.id` %in `%%root.members`) keep matching arrays", async () => {
    const client = seeded();
    for (const user of ["u1", "u2"]) {
      expect(await guardFor(user, client).collection("app", "shared").find({}).toArray()).toHaveLength(1);
    }
    expect(await guardFor("u3", client).collection("app", "shared").find({}).toArray()).toEqual([]);
  });
});
