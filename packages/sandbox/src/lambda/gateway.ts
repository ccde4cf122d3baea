import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { BodyTooLargeError, listen, readBody } from "../http-server.js";
import type { LambdaBridge } from "./bridge.js";

/** An HTTP front door that turns requests into API Gateway HTTP API (payload 2.0) events. */
export interface FunctionUrlGateway {
  baseUrl: string;
  stop(): Promise<void>;
}

export interface FunctionUrlGatewayOptions {
  bridge: LambdaBridge;
  /** `"METHOD /path"` → function name, e.g. `{ "POST /resync-password": "resync-password" }`. */
  routes: Record<string, string>;
  port?: number;
  host?: string;
}

/** API Gateway HTTP API's own limit is 10 MB; ours are JSON bodies of a few bytes. */
const MAX_BODY_BYTES = 1024 * 1024;
const TEXT_CONTENT = /^(text\/|application\/(json|[\w.+-]+\+json|x-www-form-urlencoded|xml|javascript))/i;

/** The structured answer a payload-2.0 function may return; anything else is a JSON body with 200. */
const structuredResponseSchema = z.object({
  statusCode: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  cookies: z.array(z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

interface Route {
  routeKey: string;
  functionName: string;
}

function parseRoutes(routes: Record<string, string>): Map<string, Route> {
  const table = new Map<string, Route>();
  for (const [routeKey, functionName] of Object.entries(routes)) {
    const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
    if (!match) throw new TypeError(`route "${routeKey}" must look like "POST /path"`);
    table.set(`${match[1]} ${match[2]}`, { routeKey, functionName });
  }
  return table;
}

/** Header values joined with commas and names lower-cased, as API Gateway does for payload 2.0. */
function eventHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === "cookie") continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  return headers;
}

function queryParameters(search: URLSearchParams): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const key of new Set(search.keys())) parameters[key] = search.getAll(key).join(",");
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

/** Builds the API Gateway HTTP API payload-2.0 event for one request. */
export function httpApiEvent(
  request: IncomingMessage,
  url: URL,
  routeKey: string,
  body: Buffer,
): Record<string, unknown> {
  const headers = eventHeaders(request);
  const now = new Date();
  const isText = body.length === 0 || TEXT_CONTENT.test(headers["content-type"] ?? "application/json");
  const cookies = request.headers.cookie?.split(/;\s*/).filter(Boolean);
  const queryStringParameters = queryParameters(url.searchParams);
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: "sandbox",
      domainName: headers.host ?? url.host,
      domainPrefix: "sandbox",
      http: {
        method: request.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: !isText,
  };
}

function corsHeaders(request: IncomingMessage, methods: string): Record<string, string> {
  return {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": methods,
    "access-control-allow-headers": String(
      request.headers["access-control-request-headers"] ?? "content-type,authorization",
    ),
    "access-control-max-age": "600",
  };
}

function sendGatewayJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function sendFunctionResult(response: ServerResponse, result: unknown, cors: Record<string, string>) {
  const structured = structuredResponseSchema.safeParse(result);
  if (!structured.success) {
    // Payload 2.0: a value without statusCode is the body of a 200 JSON answer.
    sendGatewayJson(response, 200, result, cors);
    return;
  }
  const { statusCode, headers = {}, cookies = [], body = "", isBase64Encoded = false } = structured.data;
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = String(value);
  Object.assign(out, cors); // the gateway's CORS configuration wins over the function's, as in API Gateway
  if (cookies.length > 0) out["set-cookie"] = cookies;
  const bytes = isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8");
  out["content-length"] = String(bytes.length);
  response.writeHead(statusCode, out);
  response.end(bytes);
}

/**
 * Starts an HTTP server (port 0 = a free port) that routes `"METHOD /path"` to functions on the
 * bridge with payload-2.0 events, maps `{statusCode, headers, body}` back, and answers CORS preflights
 * itself. A function error becomes API Gateway's 500 `{"message":"Internal Server Error"}`.
 * @example
 * const api = await startFunctionUrlGateway({ bridge, routes: { "POST /resync-password": "resync-password" } });
 * await fetch(`${api.baseUrl}/resync-password`, { method: "POST", body: JSON.stringify({ email, password }) });
 */
export async function startFunctionUrlGateway(
  options: FunctionUrlGatewayOptions,
): Promise<FunctionUrlGateway> {
  const routes = parseRoutes(options.routes);
  const allMethods = [...new Set([...routes.keys()].map((key) => key.split(" ")[0]))].join(",");

  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://gateway");
    const method = request.method ?? "GET";
    if (method === "OPTIONS" && request.headers["access-control-request-method"]) {
      request.resume();
      response.writeHead(204, corsHeaders(request, allMethods)).end();
      return;
    }
    const cors = { "access-control-allow-origin": "*" };
    const route = routes.get(`${method} ${url.pathname}`);
    if (!route) {
      request.resume();
      sendGatewayJson(response, 404, { message: "Not Found" }, cors);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      sendGatewayJson(
        response,
        413,
        { message: "Request Entity Too Large" },
        { ...cors, connection: "close" },
      );
      return;
    }
    let result: unknown;
    try {
      result = await options.bridge.invoke(
        route.functionName,
        httpApiEvent(request, url, route.routeKey, body),
      );
    } catch {
      sendGatewayJson(response, 500, { message: "Internal Server Error" }, cors);
      return;
    }
    sendFunctionResult(response, result, cors);
  };

  const http = await listen(
    (request, response) => {
      answer(request, response).catch(() => {
        if (!response.headersSent) sendGatewayJson(response, 500, { message: "Internal Server Error" }, {});
        else response.destroy();
      });
    },
    { port: options.port, host: options.host, keepAliveTimeoutMs: 1_000 },
  );
  return { baseUrl: http.origin, stop: () => http.close() };
}
