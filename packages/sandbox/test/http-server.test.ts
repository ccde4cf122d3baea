import { createServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { describe, expect, it } from "vitest";
import { listen } from "../src/http-server.js";

// Some containers have no IPv6 loopback; the test then reports itself skipped.
const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createTcpServer();
  probe.once("error", () => resolve(false));
  probe.listen(0, "::1", () => probe.close(() => resolve(true)));
});

describe("listen, shared by the emulator, the Lambda bridge and the Function URL gateway", () => {
  it.skipIf(!ipv6Loopback)(
    "reports the bound address as a usable origin, an IPv6 one in brackets",
    async () => {
      const running = await listen((_request, response) => response.end("here"), { host: "::1" });
      try {
        expect(running.origin).toMatch(/^http:\/\/\[::1\]:\d+$/);
        expect(await (await fetch(`${running.origin}/`)).text()).toBe("here");
      } finally {
        await running.close();
      }
    },
  );

  it("closes even while a client holds an idle keep-alive connection", async () => {
    const server = createServer((_request, response) => response.end("ok"));
    const running = await listen(server, { keepAliveTimeoutMs: 60_000 });
    await (await fetch(`${running.origin}/`, { keepalive: true })).text();
    const started = performance.now();
    await running.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(server.listening).toBe(false);
  });

  it("rejects when the port is taken instead of hanging", async () => {
    const first = await listen((_request, response) => response.end());
    try {
      const port = Number(new URL(first.origin).port);
      await expect(listen((_request, response) => response.end(), { port })).rejects.toMatchObject({
        code: "EADDRINUSE",
      });
    } finally {
      await first.close();
    }
  });
});
