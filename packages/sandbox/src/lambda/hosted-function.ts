import { randomUUID } from "node:crypto";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { LambdaFunctionError } from "./errors.js";

/** A function the bridge can run: in this process, or a module file in a worker thread with its own env. */
export type LambdaFunctionSpec =
  | { handler: (event: unknown, context: unknown) => Promise<unknown> }
  | { modulePath: string; exportName?: string; env?: Record<string, string> };

/** One registered function, however it is hosted. */
export interface HostedFunction {
  invoke(event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** Where a worker's console output goes; `null` drops it. Never the bridge's own stdout by default. */
export type HandlerOutput = NodeJS.WritableStream | null;

/** The ARN Lambda would give a function of that name (the sandbox's account and region). */
export function functionArn(name: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
}

/** The fixed part of Lambda's context object; a worker receives it as data and adds the rest itself. */
function contextFields(functionName: string): Record<string, unknown> {
  return {
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: functionArn(functionName),
    memoryLimitInMB: "128",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "sandbox",
    callbackWaitsForEmptyEventLoop: true,
  };
}

/** The subset of Lambda's context object handlers read. */
function lambdaContext(functionName: string, deadlineMs: number): Record<string, unknown> {
  return {
    ...contextFields(functionName),
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
}

/** Lambda hands the function a parsed copy of the JSON payload and serialises what it returns. */
function jsonRoundTrip(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function describeThrown(error: unknown): { errorType: string; errorMessage: string } {
  if (error instanceof Error) return { errorType: error.name || "Error", errorMessage: error.message };
  return { errorType: "Error", errorMessage: String(error) };
}

function timedOut(name: string, timeoutMs: number): LambdaFunctionError {
  return new LambdaFunctionError(name, "Sandbox.Timedout", `Task timed out after ${timeoutMs} ms`);
}

export function hostFunction(
  name: string,
  spec: LambdaFunctionSpec,
  options: { timeoutMs: number; output: HandlerOutput },
): HostedFunction {
  if ("handler" in spec) return hostInProcess(name, spec.handler, options.timeoutMs);
  return hostInWorker(name, spec, options);
}

function hostInProcess(
  name: string,
  handler: (event: unknown, context: unknown) => Promise<unknown>,
  timeoutMs: number,
): HostedFunction {
  return {
    async invoke(event) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timedOut(name, timeoutMs)), timeoutMs);
      });
      try {
        const running = handler(jsonRoundTrip(event), lambdaContext(name, Date.now() + timeoutMs));
        return jsonRoundTrip(await Promise.race([running, deadline]));
      } catch (error) {
        if (error instanceof LambdaFunctionError) throw error;
        const { errorType, errorMessage } = describeThrown(error);
        throw new LambdaFunctionError(name, errorType, errorMessage);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {},
  };
}

// Plain CommonJS evaluated in the worker, so it runs the same under node, tsx and vitest (none of
// which would agree on how to load a .ts worker file). The module is imported at the first
// invocation: that is the function's cold start, where it reads its environment.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { randomUUID } = require("node:crypto");
let loading;
function load() {
  loading ??= import(workerData.moduleUrl).then((mod) => {
    const fn = mod[workerData.exportName];
    if (typeof fn !== "function") {
      throw new TypeError("module does not export a function named " + workerData.exportName);
    }
    return fn;
  });
  return loading;
}
parentPort.on("message", async ({ id, payload, deadlineMs }) => {
  try {
    const handler = await load();
    const context = {
      ...workerData.context,
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    };
    const result = await handler(JSON.parse(payload), context);
    parentPort.postMessage({ id, ok: true, result: result === undefined ? "null" : JSON.stringify(result) });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    parentPort.postMessage({ id, ok: false, errorType: e.name || "Error", errorMessage: String(e.message) });
  }
});
`;

type WorkerReply =
  | { id: number; ok: true; result: string }
  | { id: number; ok: false; errorType: string; errorMessage: string };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * A function's environment is as clean as Lambda's, except for the host's choice about the AWS
 * SDK's Node 22 notice: real Lambda runs Node 22 and never prints it, the sandbox runs on the host's Node.
 */
function sdkNoticeSetting(): Record<string, string> {
  const flag = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";
  const value = process.env[flag];
  return value === undefined ? {} : { [flag]: value };
}

function hostInWorker(
  name: string,
  spec: { modulePath: string; exportName?: string; env?: Record<string, string> },
  options: { timeoutMs: number; output: HandlerOutput },
): HostedFunction {
  if (!isAbsolute(spec.modulePath)) {
    throw new TypeError(`modulePath of function "${name}" must be absolute: ${spec.modulePath}`);
  }
  const env: Record<string, string> = {
    AWS_REGION: "us-east-1",
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    ...sdkNoticeSetting(),
    ...spec.env,
  };
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let worker: Worker | undefined;

  const failAll = (errorType: string, errorMessage: string) => {
    for (const { reject } of pending.values()) reject(new LambdaFunctionError(name, errorType, errorMessage));
    pending.clear();
  };

  const start = (): Worker => {
    const started = new Worker(WORKER_SOURCE, {
      eval: true,
      env,
      workerData: {
        moduleUrl: pathToFileURL(spec.modulePath).href,
        exportName: spec.exportName ?? "handler",
        context: contextFields(name),
      },
      stdout: true,
      stderr: true,
    });
    // Worker output is the handler's own logging; it must never land on the sandbox's stdout, whose
    // first line is a machine-read JSON object.
    if (options.output) {
      started.stdout.pipe(options.output, { end: false });
      started.stderr.pipe(options.output, { end: false });
    } else {
      started.stdout.resume();
      started.stderr.resume();
    }
    started.on("message", (reply: WorkerReply) => {
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      if (reply.ok) waiting.resolve(JSON.parse(reply.result));
      else waiting.reject(new LambdaFunctionError(name, reply.errorType, reply.errorMessage));
    });
    started.on("error", (error) => failAll("Runtime.ExitError", describeThrown(error).errorMessage));
    started.on("exit", (code) => {
      if (worker === started) worker = undefined; // the next invocation is a fresh cold start
      failAll("Runtime.ExitError", `the function's runtime exited with code ${code}`);
    });
    return started;
  };

  return {
    invoke(event) {
      worker ??= start();
      const id = nextId++;
      const payload = JSON.stringify(event ?? null);
      const running = worker;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(timedOut(name, options.timeoutMs));
        }, options.timeoutMs);
        timer.unref();
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        running.postMessage({ id, payload, deadlineMs: Date.now() + options.timeoutMs });
      });
    },
    async stop() {
      const running = worker;
      worker = undefined;
      if (running) await running.terminate();
      failAll("Runtime.ExitError", "the bridge stopped");
    },
  };
}
