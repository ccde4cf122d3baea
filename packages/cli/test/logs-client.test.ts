import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { readImportJobLog } from "../src/engines/import-job-log.js";
import { createLogsClient } from "../src/services.js";

// Apart from import-job-log.test.ts, whose aws-sdk-client-mock replaces every CloudWatch Logs client.
describe("the CLI's CloudWatch Logs client", () => {
  it("gives up on an endpoint that never answers instead of holding the import", async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" });
    try {
      const logs = createLogsClient({
        region: "us-east-1",
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requestTimeoutMs: 300,
      });
      const started = performance.now();
      const error = await readImportJobLog(logs, { logGroupName: "g", logStreamName: "s" }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: "TimeoutError" });
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      process.env = saved;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
