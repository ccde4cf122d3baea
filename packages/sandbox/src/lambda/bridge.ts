import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, listen, readBody } from "../http-server.js";
import { LambdaFunctionError, LambdaFunctionNotFoundError } from "./errors.js";
import {
  functionArn,
  type HandlerOutput,
  type HostedFunction,
  hostFunction,
  type LambdaFunctionSpec,
} from "./hosted-function.js";

/** A local stand-in for the Lambda Invoke API, hosting functions by name. */
export interface LambdaBridge {
  /** Origin to give a Lambda client (cognito-local's `LambdaClient.endpoint`). */
  endpoint: string;
  /** How many times the named function was invoked (over HTTP or through `invoke`). */
  invocations(name: string): number;
  register(name: string, spec: LambdaFunctionSpec): Promise<void>;
  /** Runs the named function; throws LambdaFunctionError when it throws, LambdaFunctionNotFoundError when unknown. */
  invoke(name: string, event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export interface LambdaBridgeOptions {
  functions?: Record<string, LambdaFunctionSpec>;
  port?: number;
  host?: string;
  /** Per-invocation deadline, as a function's configured timeout; default 10 s. */
  timeoutMs?: number;
  /** Where worker-hosted functions' console output goes; default stderr, `null` drops it. */
  handlerOutput?: HandlerOutput;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024; // Lambda's synchronous payload limit

/** Accepts a plain name or a function ARN (with or without a qualifier), as the Invoke API does. */
function functionNameOf(pathSegment: string): string {
  let name: string;
  try {
    name = decodeURIComponent(pathSegment);
  } catch {
    return pathSegment; // broken percent-encoding names no function: a 404, not a bridge failure
  }
  const arn = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(name);
  return arn?.[1] ?? name;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function sendServiceError(response: ServerResponse, status: number, type: string, message: string) {
  sendJson(response, status, { Type: "User", message }, { "x-amzn-errortype": type });
}

/**
 * Starts the bridge on 127.0.0.1 (port 0 = a free port). It serves
 * `POST /2015-03-31/functions/{name}/invocations`: a result is HTTP 200 with the JSON payload, a thrown
 * error is HTTP 200 with `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage}`. It logs
 * nothing: the payload of a migration trigger carries the user's password.
 * @example
 * const bridge = await startLambdaBridge({ functions: { echo: { handler: async (e) => e } } });
 * await bridge.invoke("echo", { hello: "world" });
 */
export async function startLambdaBridge(options: LambdaBridgeOptions = {}): Promise<LambdaBridge> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const output = options.handlerOutput === undefined ? process.stderr : options.handlerOutput;
  const functions = new Map<string, HostedFunction>();
  const counts = new Map<string, number>();

  const register = async (name: string, spec: LambdaFunctionSpec) => {
    const previous = functions.get(name);
    functions.set(name, hostFunction(name, spec, { timeoutMs, output }));
    await previous?.stop();
  };

  const invoke = async (name: string, event: unknown) => {
    const hosted = functions.get(name);
    if (!hosted) throw new LambdaFunctionNotFoundError(name);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return hosted.invoke(event);
  };

  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://bridge").pathname;
    const match = INVOKE_PATH.exec(path);
    if (!match?.[1] || request.method !== "POST") {
      request.resume();
      sendServiceError(response, 404, "UnknownOperationException", "Unknown operation");
      return;
    }
    const name = functionNameOf(match[1]);
    let event: unknown;
    try {
      const body = await readBody(request, MAX_PAYLOAD_BYTES);
      event = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendServiceError(
          response,
          413,
          "RequestTooLargeException",
          "Request must be smaller than 6291456 bytes",
        );
      } else {
        sendServiceError(
          response,
          400,
          "InvalidRequestContentException",
          "Could not parse request body into json",
        );
      }
      return;
    }
    if (!functions.has(name)) {
      sendServiceError(
        response,
        404,
        "ResourceNotFoundException",
        `Function not found: ${functionArn(name)}`,
      );
      return;
    }
    const invocationType = String(request.headers["x-amz-invocation-type"] ?? "RequestResponse");
    if (invocationType === "DryRun") {
      response.writeHead(204).end();
      return;
    }
    const running = invoke(name, event);
    if (invocationType === "Event") {
      running.catch(() => {}); // asynchronous invocations report nothing to the caller
      response.writeHead(202).end();
      return;
    }
    try {
      sendJson(response, 200, await running, { "x-amz-executed-version": "$LATEST" });
    } catch (error) {
      const failure =
        error instanceof LambdaFunctionError
          ? { errorType: error.errorType, errorMessage: error.errorMessage }
          : { errorType: "Error", errorMessage: "the function failed" };
      sendJson(response, 200, failure, {
        "x-amz-function-error": "Unhandled",
        "x-amz-executed-version": "$LATEST",
      });
    }
  };

  const http = await listen(
    (request, response) => {
      answer(request, response).catch(() => {
        if (!response.headersSent) sendServiceError(response, 500, "ServiceException", "bridge failure");
        else response.destroy();
      });
    },
    { port: options.port, host: options.host, keepAliveTimeoutMs: 1_000 },
  );

  try {
    for (const [name, spec] of Object.entries(options.functions ?? {})) await register(name, spec);
  } catch (error) {
    await http.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint: http.origin,
    invocations: (name) => counts.get(name) ?? 0,
    register,
    invoke,
    stop() {
      stopping ??= (async () => {
        await http.close();
        await Promise.all([...functions.values()].map((hosted) => hosted.stop()));
        functions.clear();
      })();
      return stopping;
    },
  };
}
