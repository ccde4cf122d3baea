// A Cognito-API-compatible sink for the import benchmarks: answers AdminCreateUser and
// AdminSetUserPassword at once. `--serve` runs it as its own process (prints its endpoint), so the
// engine's figures do not pay for the server's CPU. Run alone without `--serve`, it does nothing.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export interface CognitoSink {
  endpoint: string;
  counts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

function serve(): Promise<Server> {
  const counts: Record<string, number> = {};
  let next = 0;
  const server: Server = createServer((request, response) => {
    if (request.method === "GET" && request.url === "/counts") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(counts));
      return;
    }
    const target =
      String(request.headers["x-amz-target"] ?? "")
        .split(".")
        .pop() ?? "";
    request.resume();
    request.on("end", () => {
      counts[target] = (counts[target] ?? 0) + 1;
      const body =
        target === "AdminCreateUser"
          ? { User: { Username: `sink-${next++}`, UserStatus: "FORCE_CHANGE_PASSWORD" } }
          : {};
      response.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify(body));
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Starts the sink in a child process. */
export async function startCognitoSink(): Promise<CognitoSink> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--serve"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the sink exited (${code})`)));
    child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
  });
  return {
    endpoint,
    counts: async () => (await (await fetch(`${endpoint}/counts`)).json()) as Record<string, number>,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}

if (process.argv.includes("--serve")) {
  const server = await serve();
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
}
