import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIdentityVerifier,
  createRealmContext,
  type RealmCollection,
  realmFunctionHandler,
} from "../src/index.js";
import { guardErrorCode, realmUser, seededClient, todoRules, trustedClaim } from "./fixtures.js";
import { startTokenIssuer } from "./tokens.js";

/**
 * Binding channel: a handle obtained in one invocation (cached at module scope, as ported Realm
 * functions often do) must act for the caller of the moment, never for the one who obtained it.
 */

declare const context: import("../src/index.js").RealmContext;

const event = (token: string, args: unknown[]) => ({
  headers: { authorization: `Bearer ${token}` },
  body: JSON.stringify({ arguments: args }),
});

let gate: () => void = () => {};

describe("binding: handles cached at module scope across two interleaved invocations", () => {
  let issuer: Awaited<ReturnType<typeof startTokenIssuer>>;
  beforeAll(async () => {
    issuer = await startTokenIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });

  it("each invocation reads and writes as its own caller through the cached collection, db and service", async () => {
    const client = seededClient();
    let cachedItems: RealmCollection | undefined;
    let cachedService: ReturnType<typeof context.services.get> | undefined;
    // The ported function keeps its handles at module scope; the first caller creates them.
    async function myItems(waitForOther: boolean) {
      cachedService ??= context.services.get("mongodb-atlas");
      cachedItems ??= cachedService.db("todo").collection("items");
      if (waitForOther) await new Promise<void>((resolve) => (gate = resolve));
      const viaCollection = await cachedItems.find({}).toArray();
      const viaService = await cachedService.db("todo").collection("notes").find({}).toArray();
      await cachedItems.updateMany({}, { $set: { title: `touched by ${context.user.id}` } });
      return { viaCollection, viaService };
    }
    const handler = realmFunctionHandler(myItems, {
      identity: createIdentityVerifier({
        userPoolId: issuer.poolId,
        clientId: issuer.clientId,
        issuer: issuer.issuer,
        realmUserId: trustedClaim,
      }),
      rules: todoRules,
      services: { "mongodb-atlas": client },
    });
    // u1 obtains the handles, then waits; u2 runs through u1's handles; then u1 resumes.
    const first = handler(event(issuer.idToken("u1"), [true]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await handler(event(issuer.idToken("u2"), [false]));
    gate();
    const firstAnswer = await first;
    const owners = (answer: { body?: string }) => {
      const body = JSON.parse(answer.body ?? "{}");
      return new Set(
        [...body.viaCollection, ...body.viaService].map((d: { owner_id: string }) => d.owner_id),
      );
    };
    expect(second.statusCode).toBe(200);
    expect(firstAnswer.statusCode).toBe(200);
    expect([...owners(second)]).toEqual(["u2"]);
    expect([...owners(firstAnswer)]).toEqual(["u1"]);
    const items = client.db("todo").collection("items").documents;
    for (const item of items) {
      if (item.owner_id === "u3") expect(item.title).not.toMatch(/touched/);
      else expect(item.title).toBe(`touched by ${item.owner_id}`);
    }
  });

  it("control: a handle on the raw driver collection cached the same way serves everyone's documents", async () => {
    const client = seededClient();
    const raw = client.db("todo").collection("items");
    const seen = new Set((await raw.find({}).toArray()).map((d) => d.owner_id));
    expect(seen.size).toBe(3);
  });

  it("refuses a handle used after its request ended, outside any request", async () => {
    const client = seededClient();
    let kept: RealmCollection | undefined;
    const handler = realmFunctionHandler(
      async () => {
        kept = context.services.get("mongodb-atlas").db("todo").collection("items");
        return null;
      },
      {
        identity: createIdentityVerifier({
          userPoolId: issuer.poolId,
          clientId: issuer.clientId,
          issuer: issuer.issuer,
          realmUserId: trustedClaim,
        }),
        rules: todoRules,
        services: { "mongodb-atlas": client },
      },
    );
    expect((await handler(event(issuer.idToken("u1"), []))).statusCode).toBe(200);
    expect(await guardErrorCode(Promise.resolve().then(() => kept?.find({}).toArray()))).toBe(
      "OPERATION_REFUSED",
    );
  });

  it("a context built directly (no request) keeps serving its own user", async () => {
    const client = seededClient();
    const direct = await createRealmContext(realmUser("u3"), {
      rules: todoRules,
      services: { "mongodb-atlas": client },
    });
    const items = await direct.services
      .get("mongodb-atlas")
      .db("todo")
      .collection("items")
      .find({})
      .toArray();
    expect(new Set(items.map((d) => d.owner_id))).toEqual(new Set(["u3"]));
  });
});
