import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type LambdaBridge,
  LambdaFunctionError,
  LambdaFunctionNotFoundError,
  startLambdaBridge,
} from "../../src/lambda/index.js";

const SECRET = "Sup3r-Secret-Passw0rd!";

// A function module as the bundles are: ESM, exporting `handler`, reading its env at cold start.
const CONFIGURED_MODULE = `
const greeting = process.env.GREETING;
const keys = Object.keys(process.env).sort();
export async function handler(event) {
  if (event.fail) throw new RangeError("refused: " + event.reason);
  return { greeting, keys, echo: event };
}
export const other = async () => "other export";
`;

async function invokeOverHttp(bridge: LambdaBridge, name: string, event: unknown) {
  const response = await fetch(
    `${bridge.endpoint}/2015-03-31/functions/${encodeURIComponent(name)}/invocations`,
    {
      method: "POST",
      headers: { "x-amz-invocation-type": "RequestResponse" },
      body: JSON.stringify(event),
    },
  );
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe("the Lambda bridge", () => {
  let bridge: LambdaBridge;
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "bridge-test-"));
    const modulePath = join(directory, "configured.mjs");
    await writeFile(modulePath, CONFIGURED_MODULE);
    bridge = await startLambdaBridge({
      handlerOutput: null,
      functions: {
        echo: { handler: async (event) => ({ received: event }) },
        refuse: {
          handler: async () => {
            throw new TypeError("Bad password");
          },
        },
        english: { modulePath, env: { GREETING: "hello" } },
        french: { modulePath, env: { GREETING: "bonjour" } },
        otherExport: { modulePath, exportName: "other" },
      },
    });
  });

  afterAll(async () => {
    await bridge?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("answers an invocation with HTTP 200 and the function's result", async () => {
    const { status, headers, body } = await invokeOverHttp(bridge, "echo", { a: 1 });
    expect(status).toBe(200);
    expect(headers.get("x-amz-function-error")).toBeNull();
    expect(body).toEqual({ received: { a: 1 } });
  });

  it("answers a thrown error with HTTP 200, X-Amz-Function-Error Unhandled and the error's type and message", async () => {
    const { status, headers, body } = await invokeOverHttp(bridge, "refuse", { password: SECRET });
    expect(status).toBe(200);
    expect(headers.get("x-amz-function-error")).toBe("Unhandled");
    expect(body).toEqual({ errorType: "TypeError", errorMessage: "Bad password" });
  });

  it("answers an unknown function with 404 ResourceNotFoundException", async () => {
    const { status, headers, body } = await invokeOverHttp(bridge, "nobody", {});
    expect(status).toBe(404);
    expect(headers.get("x-amzn-errortype")).toBe("ResourceNotFoundException");
    expect(body.message).toContain("function:nobody");
  });

  it("answers a function name with broken percent-encoding with 404, not a bridge failure", async () => {
    const response = await fetch(`${bridge.endpoint}/2015-03-31/functions/echo%E0%A4%A/invocations`, {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("x-amzn-errortype")).toBe("ResourceNotFoundException");
  });

  it("accepts a function ARN in the path, as the Invoke API does", async () => {
    const arn = "arn:aws:lambda:us-east-1:000000000000:function:echo";
    expect((await invokeOverHttp(bridge, arn, { b: 2 })).body).toEqual({ received: { b: 2 } });
  });

  it("answers a body that is not JSON with 400 InvalidRequestContentException", async () => {
    const response = await fetch(`${bridge.endpoint}/2015-03-31/functions/echo/invocations`, {
      method: "POST",
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("InvalidRequestContentException");
  });

  it("counts invocations per function name, over HTTP and direct", async () => {
    const before = bridge.invocations("echo");
    await invokeOverHttp(bridge, "echo", {});
    await bridge.invoke("echo", {});
    expect(bridge.invocations("echo")).toBe(before + 2);
    expect(bridge.invocations("never-called")).toBe(0);
  });

  it("rejects a direct invocation of a throwing function with a LambdaFunctionError", async () => {
    const failure = await bridge.invoke("refuse", {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LambdaFunctionError);
    expect(failure).toMatchObject({
      code: "LAMBDA_FUNCTION_ERROR",
      errorType: "TypeError",
      errorMessage: "Bad password",
    });
    await expect(bridge.invoke("nobody", {})).rejects.toBeInstanceOf(LambdaFunctionNotFoundError);
  });

  it("runs two module functions from the same file, each with its own environment only", async () => {
    const english = (await bridge.invoke("english", { n: 1 })) as { greeting: string; keys: string[] };
    const french = (await bridge.invoke("french", { n: 2 })) as { greeting: string; keys: string[] };
    expect(english.greeting).toBe("hello");
    expect(french.greeting).toBe("bonjour");
    expect(process.env.GREETING).toBeUndefined();
    expect(english.keys).not.toContain("PATH");
    expect(english.keys).toContain("AWS_LAMBDA_FUNCTION_NAME");
  });

  it("reports a module function's thrown error with its name and message only", async () => {
    const { headers, body } = await invokeOverHttp(bridge, "english", { fail: true, reason: "wrong" });
    expect(headers.get("x-amz-function-error")).toBe("Unhandled");
    expect(body).toEqual({ errorType: "RangeError", errorMessage: "refused: wrong" });
  });

  it("calls the named export of a module function", async () => {
    expect(await bridge.invoke("otherExport", {})).toBe("other export");
  });

  it("writes nothing of a payload to stdout or stderr", async () => {
    const written: string[] = [];
    const stdoutWrite = process.stdout.write.bind(process.stdout);
    const stderrWrite = process.stderr.write.bind(process.stderr);
    const capture = (chunk: string | Uint8Array) => {
      written.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    try {
      for (const name of ["echo", "refuse", "english", "nobody"]) {
        await invokeOverHttp(bridge, name, { userName: "ada@example.com", request: { password: SECRET } });
      }
      await invokeOverHttp(bridge, "english", { fail: true, reason: "x", password: SECRET });
    } finally {
      process.stdout.write = stdoutWrite;
      process.stderr.write = stderrWrite;
    }
    expect(written.join("")).not.toContain(SECRET);
  });
});

describe("a module function that cannot load", () => {
  it("fails each invocation with the load error, as a Lambda init error", async () => {
    const bridge = await startLambdaBridge({
      handlerOutput: null,
      functions: { broken: { modulePath: join(tmpdir(), "no-such-module-for-bridge.mjs") } },
    });
    try {
      const failure = await bridge.invoke("broken", {}).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(LambdaFunctionError);
      expect((failure as LambdaFunctionError).errorMessage).toContain("no-such-module-for-bridge");
    } finally {
      await bridge.stop();
    }
  });
});

describe("the Lambda bridge's invocation types and deadline", () => {
  it("answers an Event invocation with 202 at once and still runs the function", async () => {
    let ran = false;
    const bridge = await startLambdaBridge({
      functions: {
        later: {
          handler: async () => {
            ran = true;
            return "done";
          },
        },
      },
    });
    try {
      const response = await fetch(`${bridge.endpoint}/2015-03-31/functions/later/invocations`, {
        method: "POST",
        headers: { "x-amz-invocation-type": "Event" },
        body: "{}",
      });
      expect(response.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ran).toBe(true);
    } finally {
      await bridge.stop();
    }
  });

  it("fails a function that outlives its deadline with Sandbox.Timedout", async () => {
    const bridge = await startLambdaBridge({
      timeoutMs: 100,
      functions: { slow: { handler: () => new Promise((resolve) => setTimeout(resolve, 2_000)) } },
    });
    try {
      const { headers, body } = await invokeOverHttp(bridge, "slow", {});
      expect(headers.get("x-amz-function-error")).toBe("Unhandled");
      expect(body.errorType).toBe("Sandbox.Timedout");
    } finally {
      await bridge.stop();
    }
  });
});
