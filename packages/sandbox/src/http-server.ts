import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A request body larger than the server accepts. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** Reads the whole body, refusing (without buffering further) once it passes `limitBytes`. */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limitBytes) {
        refused = true;
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    request.on("error", reject);
  });
}

export interface RunningServer {
  server: Server;
  /** `http://address:port` as bound (an IPv6 address in brackets), usable as a base URL. */
  origin: string;
  /** Stops listening and ends open connections, idle keep-alive ones included. */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** 0 (the default) takes a free port. */
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  /** How long an idle keep-alive connection is kept (Node's default: 5 s). */
  readonly keepAliveTimeoutMs?: number | undefined;
}

/**
 * Listens with `handler` (a request listener, or a server already set up) on `host:port` and returns
 * the origin and a closer, the one way every server of the sandbox starts and stops.
 */
export async function listen(
  handler: RequestListener | Server,
  options: ListenOptions = {},
): Promise<RunningServer> {
  const server = typeof handler === "function" ? createServer(handler) : handler;
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  const { port = 0, host = "127.0.0.1" } = options;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    server,
    origin: `http://${shownHost}:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
