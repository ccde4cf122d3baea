// A Cognito-API-compatible sink for benchmarks: answers AdminCreateUser and AdminSetUserPassword at once.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface CognitoSink {
  endpoint: string;
  counts: Record<string, number>;
  stop(): Promise<void>;
}

export async function startCognitoSink(): Promise<CognitoSink> {
  const counts: Record<string, number> = {};
  let next = 0;
  const server: Server = createServer((request, response) => {
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
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
