import {
  RealmProtocolError,
  RealmRejectedError,
  RealmTimeoutError,
  RealmUnavailableError,
} from "./errors.js";

export type FetchFunction = typeof fetch;

export interface JsonRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly url: string;
  readonly body?: unknown;
  readonly bearer?: string;
  /** Per-request deadline; the caller's `signal` can end it sooner. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** What a request is called in error messages: method and path, never the body (it may hold a password). */
export function describeRequest(request: Pick<JsonRequest, "method" | "url">): string {
  return `${request.method} ${new URL(request.url).pathname}`;
}

/**
 * Sends one JSON request and returns the parsed body (`null` for an empty one). Errors are typed: a
 * Realm error body becomes RealmRejectedError, 5xx and network failures RealmUnavailableError, the
 * deadline RealmTimeoutError.
 */
export async function requestJson(fetchFn: FetchFunction, request: JsonRequest): Promise<unknown> {
  const name = describeRequest(request);
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([deadline, request.signal]) : deadline;
  const headers: Record<string, string> = { Accept: "application/json" };
  if (request.body !== undefined) headers["Content-Type"] = "application/json";
  if (request.bearer !== undefined) headers.Authorization = `Bearer ${request.bearer}`;
  let response: Response;
  let text: string;
  try {
    response = await fetchFn(request.url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (deadline.aborted) throw new RealmTimeoutError(name, request.timeoutMs);
    if (request.signal?.aborted) throw request.signal.reason ?? error;
    throw new RealmUnavailableError(name, errorText(error), { cause: error });
  }
  const body = parseBody(text, response.headers.get("content-type"));
  if (response.ok) {
    if (body === INVALID_JSON)
      throw new RealmProtocolError(name, `HTTP ${response.status} with a body that is not JSON`);
    return body;
  }
  if (response.status >= 500 || response.status === 429) {
    throw new RealmUnavailableError(name, `HTTP ${response.status}`, { status: response.status });
  }
  const { errorCode, message } = readErrorBody(body);
  throw new RealmRejectedError(name, response.status, errorCode, message);
}

const INVALID_JSON = Symbol("invalid json");

function parseBody(text: string, contentType: string | null): unknown {
  if (text === "") return null;
  if (contentType !== null && !contentType.startsWith("application/json")) return INVALID_JSON;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

function readErrorBody(body: unknown): { errorCode: string; message: string } {
  if (typeof body !== "object" || body === null) return { errorCode: "", message: "" };
  const record = body as Record<string, unknown>;
  return {
    errorCode: typeof record.error_code === "string" ? record.error_code : "",
    message: typeof record.error === "string" ? record.error : "",
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/** Guards for response bodies: small and hand-written so the browser bundle stays light. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function requireString(body: unknown, key: string, request: string): string {
  const value = isRecord(body) ? body[key] : undefined;
  if (typeof value !== "string") throw new RealmProtocolError(request, `field "${key}" is missing`);
  return value;
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
