import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { refusals, ServiceError } from "./errors.js";

/** Bodies above this are refused with 413 (Realm's requests are a few hundred bytes). */
export const MAX_BODY_BYTES = 1024 * 1024;
// Past this, an oversized body is no longer drained politely: the connection is cut.
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export interface Reply {
  readonly status: number;
  /** JSON body; undefined sends an empty body with no Content-Type (realm-web reads it as null). */
  readonly body?: unknown;
  /** An HTML page instead (the sandbox's own pages only). */
  readonly html?: string;
}

export interface RouteRequest {
  readonly method: string;
  readonly query: URLSearchParams;
  /** The origin the client used to reach us (`http://host:port`). */
  readonly origin: string;
  /** The bearer token of the Authorization header, if any. */
  readonly bearer: string | undefined;
  /** The TCP peer's address (what a server without proxy trust sees as the client). */
  readonly clientAddress: string;
  /** Path parameters, percent-decoded. */
  readonly params: readonly string[];
  /** The JSON body checked against `schema`; a missing, malformed or mistyped body is a 400. */
  body<T>(schema: z.ZodType<T>): T;
}

export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  readonly pattern: RegExp;
  handle(request: RouteRequest): Reply | Promise<Reply>;
}

export const noContent: Reply = { status: 204 };

/**
 * Answers one HTTP request from the route table: CORS on every answer, a bounded body, Realm's error body
 * for every refusal. Unknown paths are 404 and known paths with another method 405, both with a body.
 */
export async function serve(
  routes: readonly Route[],
  request: IncomingMessage,
  response: ServerResponse,
  describeError: (origin: string) => { link: string },
): Promise<void> {
  const origin = `http://${request.headers.host ?? "localhost"}`;
  try {
    if (request.method === "OPTIONS") {
      await drain(request);
      send(response, request, { status: 204 });
      return;
    }
    const raw = await readBody(request);
    let url: URL;
    try {
      url = new URL(request.url ?? "/", "http://localhost");
    } catch {
      throw refusals.routeNotFound();
    }
    const { route, params } = matchRoute(routes, request.method ?? "GET", url.pathname);
    const reply = await route.handle({
      method: request.method ?? "GET",
      query: url.searchParams,
      origin,
      bearer: bearerOf(request),
      clientAddress: request.socket.remoteAddress ?? "unknown",
      params,
      body: (schema) => parseBody(raw, request.headers["content-type"], schema),
    });
    send(response, request, reply);
  } catch (error) {
    const refusal = error instanceof ServiceError ? error : internalError(error);
    send(
      response,
      request,
      {
        status: refusal.status,
        body: { error: refusal.serverMessage, error_code: refusal.errorCode, ...describeError(origin) },
      },
      refusal.headers,
    );
  }
}

function internalError(error: unknown): ServiceError {
  // Reaching this is a bug in the emulator; the tests make sure no request can.
  process.emitWarning(`App Services emulator: unexpected error ${(error as Error)?.stack ?? String(error)}`);
  return new ServiceError(500, "internal server error", "InternalServerError");
}

function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: string[] } {
  const allowed: string[] = [];
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    return { route, params: match.slice(1).map(decodeParam) };
  }
  if (allowed.length > 0) throw refusals.methodNotAllowed([...allowed, "OPTIONS"].join(", "));
  throw refusals.routeNotFound();
}

function decodeParam(value: string | undefined): string {
  try {
    return decodeURIComponent(value ?? "");
  } catch {
    throw refusals.invalidParameter("malformed percent-encoding in the path");
  }
}

function bearerOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? "";
}

function parseBody<T>(raw: Buffer, contentType: string | undefined, schema: z.ZodType<T>): T {
  if (contentType !== undefined && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
    throw refusals.unsupportedContentType();
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch {
    throw refusals.invalidJson();
  }
  return validated(schema, json, "invalid request body");
}

/** `value` checked against `schema`; the first issue is a 400 InvalidParameter naming its field (else `whole`). */
export function validated<T>(schema: z.ZodType<T>, value: unknown, whole: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw refusals.invalidParameter(`${issue?.path.join(".") || whole}: ${issue?.message ?? "invalid"}`);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > MAX_DRAIN_BYTES) {
    request.destroy();
    throw refusals.bodyTooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = declared > MAX_BODY_BYTES;
  try {
    for await (const chunk of request) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_DRAIN_BYTES) {
        request.destroy();
        throw refusals.bodyTooLarge();
      }
      if (size > MAX_BODY_BYTES) tooLarge = true;
      if (!tooLarge) chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof ServiceError) throw error;
    throw refusals.invalidParameter("the request body was cut off"); // the client went away mid-body
  }
  if (tooLarge) throw refusals.bodyTooLarge();
  return Buffer.concat(chunks);
}

async function drain(request: IncomingMessage): Promise<void> {
  try {
    await readBody(request);
  } catch {
    // a preflight's body is ignored whatever it is
  }
}

function send(
  response: ServerResponse,
  request: IncomingMessage,
  reply: Reply,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  if (response.headersSent || response.destroyed) return;
  const headers: Record<string, string> = { ...corsHeaders(request), ...extraHeaders };
  if (reply.html !== undefined) {
    headers["Content-Type"] = "text/html; charset=utf-8";
    response.writeHead(reply.status, headers);
    response.end(reply.html);
    return;
  }
  if (reply.body === undefined) {
    response.writeHead(reply.status, headers);
    response.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers["Content-Type"] = "application/json";
  headers["Content-Length"] = String(Buffer.byteLength(text));
  response.writeHead(reply.status, headers);
  response.end(text);
}

function corsHeaders(request: IncomingMessage): Record<string, string> {
  const requested = request.headers["access-control-request-headers"];
  return {
    "Access-Control-Allow-Origin": request.headers.origin ?? "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": requested ?? "Authorization, Content-Type, Accept, X-Requested-With",
    "Access-Control-Max-Age": "600",
    Vary: "Origin",
  };
}
