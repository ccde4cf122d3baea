import { defineAppRules, GuardError, type PoolInspector, type RealmUser } from "../src/index.js";
import { MemoryClient } from "../src/memory.js";

/** The users of every fixture; each owns documents in each collection. */
export const USERS = ["u1", "u2", "u3"] as const;

export function realmUser(id: string, overrides: Partial<RealmUser> = {}): RealmUser {
  return {
    id,
    type: "normal",
    data: { email: `${id}@example.com`, groups: [] },
    custom_data: {},
    identities: [],
    ...overrides,
  };
}

/** A todo app's rules in the shapes Realm apps use most, for the collections of `database`. */
export function todoRulesFor(database: string) {
  const namespaced = (rules: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(rules).map(([name, json]) => [`${database}.${name.split(".")[1]}`, json]),
    );
  return defineAppRules({ "mongodb-atlas": { collections: namespaced(TODO_COLLECTION_RULES) } });
}

const TODO_COLLECTION_RULES: Record<string, unknown> = {
  // Role chosen per document by %%root.
  "todo.items": {
    database: "todo",
    collection: "items",
    roles: [
      {
        name: "owner",
        apply_when: { owner_id: "%%user.id" },
        read: true,
        write: true,
        insert: true,
        delete: true,
      },
    ],
    filters: [],
  },
  // Device Sync's owner template: one role, document filters.
  "todo.notes": {
    roles: [
      {
        name: "owner-read-write",
        apply_when: {},
        document_filters: { read: { owner_id: "%%user.id" }, write: { owner_id: "%%user.id" } },
        read: true,
        write: true,
      },
    ],
  },
  // Whole documents, but a filter keeps each user to their own and hides `secret` from everyone.
  "todo.vault": {
    roles: [{ name: "all", apply_when: {}, read: true, write: true }],
    filters: [
      { name: "own", apply_when: {}, query: { owner_id: "%%user.id" } },
      { name: "hide", apply_when: {}, query: {}, projection: { secret: 0 } },
    ],
  },
  // Owner reads and writes everything; everyone else reads the name only.
  "todo.profiles": {
    roles: [
      { name: "self", apply_when: { owner_id: "%%user.id" }, read: true, write: true },
      {
        name: "public",
        apply_when: {},
        fields: { name: { read: true }, owner_id: { read: true } },
        insert: false,
      },
    ],
  },
};

export const todoRules = todoRulesFor("todo");

/** A client holding, for every user, three documents in each collection, each with a secret only its owner may read. */
export function seededClient(): MemoryClient {
  const client = new MemoryClient();
  const db = client.db("todo");
  for (const owner of USERS) {
    for (let n = 0; n < 3; n++) {
      db.collection("items").documents.push({
        _id: `item-${owner}-${n}`,
        owner_id: owner,
        title: `t${n}`,
        n,
        tags: ["a", n % 2 ? "odd" : "even"],
        secret: `S-${owner}-item-${n}`,
      });
      db.collection("notes").documents.push({
        _id: `note-${owner}-${n}`,
        owner_id: owner,
        item: `item-${owner}-${n}`,
        n,
        secret: `S-${owner}-note-${n}`,
      });
    }
    db.collection("vault").documents.push({
      _id: `vault-${owner}`,
      owner_id: owner,
      title: "v",
      n: 1,
      secret: `H-${owner}-vault`,
    });
    db.collection("profiles").documents.push({
      _id: `profile-${owner}`,
      owner_id: owner,
      name: `Name ${owner}`,
      n: 1,
      secret: `S-${owner}-profile`,
    });
  }
  return client;
}

/** The code of the GuardError the operation failed with, or "ACCEPTED" when it succeeded. */
export async function guardErrorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GuardError) return error.code;
    throw error;
  }
  return "ACCEPTED";
}

/** A pool whose every app client lists WriteAttributes without the id attributes (what doctor checks). */
export const lockedPool: PoolInspector = {
  appClients: async () => [{ clientId: "web", writeAttributes: ["email", "name", "given_name"] }],
};

/** The identity source of tests whose pool is locked: the id claim is trusted. */
export const trustedClaim = { kind: "token-claim", inspector: lockedPool } as const;
