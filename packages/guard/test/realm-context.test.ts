import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIdentityVerifier,
  createRealmContext,
  type RealmContext,
  type RealmFunctionHandlerOptions,
  realmFunctionHandler,
} from "../src/index.js";
import { realmUser, seededClient, todoRules, trustedClaim } from "./fixtures.js";
import { startTokenIssuer } from "./tokens.js";

// Realm functions read a global `context`; the handler provides it per request.
declare const context: RealmContext;

/** A Realm function exactly as it was written for App Services. */
async function getMyItems(title: string) {
  const items = context.services.get("mongodb-atlas").db("todo").collection("items");
  return items.find(title ? { title } : {}, { _id: 1, title: 1 }).toArray();
}

async function giveAwayItem(id: string, to: string) {
  return context.services
    .get("mongodb-atlas")
    .db("todo")
    .collection("items")
    .updateOne({ _id: id }, { $set: { owner_id: to } });
}

/** Realm functions that lean on findOneAndReplace and findOneAndDelete, as App Services code often does. */
async function renameAndPop(id: string, title: string) {
  const items = context.services.get("mongodb-atlas").db("todo").collection("items");
  const renamed = await items.findOneAndReplace(
    { _id: id },
    { owner_id: context.user.id, title },
    { returnNewDocument: true, projection: { title: 1 } },
  );
  const popped = await items.findOneAndDelete({}, { sort: { n: -1 }, projection: { _id: 1 } });
  return { renamed, popped };
}

async function batch() {
  return context.services.get("mongodb-atlas").db("todo").collection("items").bulkWrite();
}

async function whoAmI() {
  const region = context.values.get("region");
  const greeting = await context.functions.execute("greet", context.user.data.email);
  return {
    id: context.user.id,
    region,
    greeting,
    tag: context.environment.tag,
    team: context.user.custom_data.team,
  };
}

async function fails(): Promise<never> {
  throw new Error("connection string mongodb://admin:hunter2@db leaked?");
}

const event = (token: string | undefined, body?: unknown, raw?: string) => ({
  version: "2.0",
  rawPath: "/fn",
  headers: token ? { authorization: `Bearer ${token}` } : {},
  requestContext: { http: { method: "POST" } },
  body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  isBase64Encoded: false,
});

describe("Realm functions as Lambda handlers", () => {
  let issuer: Awaited<ReturnType<typeof startTokenIssuer>>;
  let options: RealmFunctionHandlerOptions;

  beforeAll(async () => {
    issuer = await startTokenIssuer();
    const client = seededClient();
    client.db("todo").collection("users").documents.push({ _id: "cd1", user_id: "u1", team: "red" });
    options = {
      identity: createIdentityVerifier({
        userPoolId: issuer.poolId,
        clientId: issuer.clientId,
        issuer: issuer.issuer,
        realmUserId: trustedClaim,
      }),
      rules: todoRules,
      services: { "mongodb-atlas": client },
      values: { region: "eu-west-1" },
      environment: { tag: "production" },
      functions: { greet: (email: string) => `hello ${email}` },
      customUserData: { database: "todo", collection: "users", userIdField: "user_id" },
    };
  });

  afterAll(async () => {
    await issuer.close();
  });

  it("runs an unchanged Realm function with the signed-in user's data only", async () => {
    const handler = realmFunctionHandler(getMyItems, options);
    const response = await handler(event(issuer.idToken("u2"), { arguments: [""] }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? "")).toEqual([
      { _id: "item-u2-0", title: "t0" },
      { _id: "item-u2-1", title: "t1" },
      { _id: "item-u2-2", title: "t2" },
    ]);
  });

  it("passes the body's arguments to the function", async () => {
    const response = await realmFunctionHandler(
      getMyItems,
      options,
    )(event(issuer.idToken("u1"), { arguments: ["t1"] }));
    expect(JSON.parse(response.body ?? "")).toEqual([{ _id: "item-u1-1", title: "t1" }]);
  });

  it("reads a base64-encoded body, as Function URLs may send it", async () => {
    const body = Buffer.from(JSON.stringify({ arguments: ["t2"] })).toString("base64");
    const response = await realmFunctionHandler(
      getMyItems,
      options,
    )({ ...event(issuer.idToken("u3")), body, isBase64Encoded: true });
    expect(JSON.parse(response.body ?? "")).toEqual([{ _id: "item-u3-2", title: "t2" }]);
  });

  it("offers context.user, values, functions.execute, environment and custom user data", async () => {
    const response = await realmFunctionHandler(whoAmI, options)(event(issuer.idToken("u1")));
    expect(JSON.parse(response.body ?? "")).toEqual({
      id: "u1",
      region: "eu-west-1",
      greeting: "hello u1@example.com",
      tag: "production",
      team: "red",
    });
  });

  it("keeps concurrent requests' contexts apart", async () => {
    const handler = realmFunctionHandler(async () => {
      const first = context.user.id;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return [first, context.user.id];
    }, options);
    const answers = await Promise.all(["u1", "u2", "u3"].map((id) => handler(event(issuer.idToken(id)))));
    expect(answers.map((a) => JSON.parse(a.body ?? ""))).toEqual([
      ["u1", "u1"],
      ["u2", "u2"],
      ["u3", "u3"],
    ]);
  });

  it("answers 401 without a token or with a forged one", async () => {
    const handler = realmFunctionHandler(getMyItems, options);
    expect((await handler(event(undefined, { arguments: [] }))).statusCode).toBe(401);
    const forged = `${issuer.idToken("u1").slice(0, -4)}AAAA`;
    const response = await handler(event(forged, { arguments: [] }));
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body ?? "").error_code).toBe("TOKEN_INVALID");
  });

  it("answers 403 when the function tries to hand a document to someone else", async () => {
    const response = await realmFunctionHandler(
      giveAwayItem,
      options,
    )(event(issuer.idToken("u1"), { arguments: ["item-u1-0", "u2"] }));
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? "").error_code).toBe("PERMISSION_DENIED");
  });

  it("runs findOneAndReplace and findOneAndDelete within the user's own documents", async () => {
    // A client of its own: this test deletes documents the other tests read.
    const handler = realmFunctionHandler(renameAndPop, {
      ...options,
      services: { "mongodb-atlas": seededClient() },
    });
    const mine = await handler(event(issuer.idToken("u3"), { arguments: ["item-u3-0", "renamed"] }));
    expect(mine.statusCode).toBe(200);
    expect(JSON.parse(mine.body ?? "")).toEqual({
      renamed: { _id: "item-u3-0", title: "renamed" },
      popped: { _id: "item-u3-2" },
    });
    const theirs = await handler(event(issuer.idToken("u3"), { arguments: ["item-u1-1", "stolen"] }));
    expect(JSON.parse(theirs.body ?? "")).toEqual({ renamed: null, popped: { _id: "item-u3-1" } });
  });

  it("answers 403 to bulkWrite, naming the single operations to use instead", async () => {
    const response = await realmFunctionHandler(batch, options)(event(issuer.idToken("u1")));
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? "")).toMatchObject({
      error_code: "OPERATION_REFUSED",
      error: expect.stringContaining("updateOne"),
    });
  });

  it("answers 400 to a body that is not {arguments: [...]}", async () => {
    const handler = realmFunctionHandler(getMyItems, options);
    expect((await handler(event(issuer.idToken("u1"), undefined, "{not json"))).statusCode).toBe(400);
    expect((await handler(event(issuer.idToken("u1"), { args: [] }))).statusCode).toBe(400);
    expect((await handler(event(issuer.idToken("u1"), { arguments: "x" }))).statusCode).toBe(400);
  });

  it("answers 500 without the error's text when the function fails", async () => {
    const seen: unknown[] = [];
    const response = await realmFunctionHandler(fails, { ...options, onError: (error) => seen.push(error) })(
      event(issuer.idToken("u1")),
    );
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("hunter2");
    expect(seen).toHaveLength(1);
  });

  it("builds a context directly for code that is not behind HTTP", async () => {
    const direct = await createRealmContext(realmUser("u3"), options);
    expect(await direct.services.get("mongodb-atlas").db("todo").collection("notes").count({})).toBe(3);
    expect(() => direct.services.get("unknown-service")).toThrow(/no data source/);
    await expect(direct.functions.execute("missing")).rejects.toMatchObject({ code: "UNKNOWN_FUNCTION" });
  });
});
