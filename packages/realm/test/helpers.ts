import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A server of our own making (one that never answers, or answers garbage) on a free port. */
export async function startStubServer(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; requests: () => number; stop: () => Promise<void> }> {
  let count = 0;
  const server: Server = createServer((request, response) => {
    count++;
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

/** fetch that counts calls by method and can fail chosen calls with a network error. */
export function countingFetch(
  failWhen: (method: string, url: string, call: number) => boolean = () => false,
) {
  const calls: Array<{ method: string; url: string }> = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const method = init?.method ?? "GET";
    const url = String(input);
    calls.push({ method, url });
    if (failWhen(method, url, calls.length)) throw new TypeError("fetch failed (simulated)");
    return fetch(input, init);
  };
  return { fetch: fetchFn, calls };
}
