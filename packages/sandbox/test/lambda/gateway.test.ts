import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FunctionUrlGateway,
  type LambdaBridge,
  startFunctionUrlGateway,
  startLambdaBridge,
} from "../../src/lambda/index.js";

describe("the function URL gateway", () => {
  let bridge: LambdaBridge;
  let api: FunctionUrlGateway;
  const seen: unknown[] = [];

  beforeAll(async () => {
    bridge = await startLambdaBridge({
      handlerOutput: null,
      functions: {
        record: {
          handler: async (event) => {
            seen.push(event);
            return {
              statusCode: 202,
              headers: { "X-Answer": "yes" },
              body: JSON.stringify({ status: "accepted" }),
            };
          },
        },
        plain: { handler: async () => ({ status: "resynced" }) },
        crash: {
          handler: async () => {
            throw new Error("boom");
          },
        },
      },
    });
    api = await startFunctionUrlGateway({
      bridge,
      routes: { "POST /record": "record", "GET /plain": "plain", "POST /crash": "crash" },
    });
  });

  afterAll(async () => {
    await api?.stop();
    await bridge?.stop();
  });

  it("turns a request into an HTTP API payload 2.0 event", async () => {
    seen.length = 0;
    await fetch(`${api.baseUrl}/record?a=1&b=two`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Custom-Header": "Value",
        "User-Agent": "sandbox-test",
      },
      body: JSON.stringify({ email: "ada@example.com" }),
    });
    expect(seen).toHaveLength(1);
    const event = seen[0] as Record<string, unknown>;
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "POST /record",
      rawPath: "/record",
      rawQueryString: "a=1&b=two",
      queryStringParameters: { a: "1", b: "two" },
      body: '{"email":"ada@example.com"}',
      isBase64Encoded: false,
      requestContext: {
        routeKey: "POST /record",
        stage: "$default",
        http: { method: "POST", path: "/record", userAgent: "sandbox-test" },
      },
    });
    const headers = event.headers as Record<string, string>;
    expect(headers["x-custom-header"]).toBe("Value");
    expect(headers["content-type"]).toBe("application/json");
    expect(Object.keys(headers).every((name) => name === name.toLowerCase())).toBe(true);
    const http = (event.requestContext as { http: { sourceIp: string } }).http;
    expect(http.sourceIp).toMatch(/127\.0\.0\.1/);
  });

  it("encodes a binary body in base64", async () => {
    seen.length = 0;
    await fetch(`${api.baseUrl}/record`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array([0, 1, 2, 255]),
    });
    expect(seen[0]).toMatchObject({
      body: Buffer.from([0, 1, 2, 255]).toString("base64"),
      isBase64Encoded: true,
    });
  });

  it("maps the function's statusCode, headers and body back, with CORS", async () => {
    const response = await fetch(`${api.baseUrl}/record`, { method: "POST", body: "{}" });
    expect(response.status).toBe(202);
    expect(response.headers.get("x-answer")).toBe("yes");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.json()).toEqual({ status: "accepted" });
  });

  it("answers a result without statusCode as a 200 JSON body", async () => {
    const response = await fetch(`${api.baseUrl}/plain`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "resynced" });
  });

  it("answers a CORS preflight itself, without invoking a function", async () => {
    const before = bridge.invocations("record");
    const response = await fetch(`${api.baseUrl}/record`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    expect(response.headers.get("access-control-allow-headers")).toBe("content-type");
    expect(bridge.invocations("record")).toBe(before);
  });

  it("answers an unknown route with 404, a function error with 500 and a body over 1 MB with 413", async () => {
    expect((await fetch(`${api.baseUrl}/nowhere`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${api.baseUrl}/plain`, { method: "POST" })).status).toBe(404);
    const crash = await fetch(`${api.baseUrl}/crash`, { method: "POST", body: "{}" });
    expect(crash.status).toBe(500);
    expect(await crash.json()).toEqual({ message: "Internal Server Error" });
    const before = bridge.invocations("record");
    const big = await fetch(`${api.baseUrl}/record`, { method: "POST", body: "x".repeat(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(bridge.invocations("record")).toBe(before);
  });
});
