// Node side of the demo: builds the page once with Vite and serves it statically, next to the JSON that
// tells it where the sandbox is. Not part of the browser bundle.
import { rmSync } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import type { MigrationMode } from "@realm-to-cognito/core";
import { DEMO_CONFIG_PATH, type DemoConfig } from "./demo-config.js";

const APP_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/** Where the sandbox's parts listen: the subset of a SandboxWorld the demo needs. */
export interface DemoTargets {
  readonly mode: MigrationMode;
  readonly realm: { readonly appId: string; readonly baseUrl: string };
  readonly cognito: { readonly endpoint: string; readonly region: string };
  readonly clientId: string;
  readonly userPoolId: string;
  readonly migrationApiBaseUrl: string;
  /** The last code cognito-local issued to `email`: the sandbox's stand-in for the user's mailbox. */
  readonly cognitoCode?: (email: string) => Promise<string | undefined>;
}

export interface DemoServer {
  readonly url: string;
  stop(): Promise<void>;
}

let built: Promise<string> | undefined;
let serving = 0;

/** Builds the page with Vite into a temp directory, once per process. */
export function buildDemoPage(): Promise<string> {
  built ??= (async () => {
    const { build } = await import("vite");
    const outDir = join(tmpdir(), `realm-to-cognito-demo-${process.pid}-${Date.now()}`);
    process.once("exit", () => rmSync(outDir, { recursive: true, force: true }));
    await build({ configFile: join(APP_ROOT, "vite.config.ts"), build: { outDir } });
    return outDir;
  })();
  return built;
}

/** Serves the built demo on `host:port` (default 127.0.0.1 and a free port). */
export async function startDemoServer(
  targets: DemoTargets,
  options: { port?: number; host?: string; switchDate?: string } = {},
): Promise<DemoServer> {
  const root = await buildDemoPage();
  serving++;
  const switchDate = options.switchDate ?? longDate(new Date());
  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://demo.invalid");
    if (url.pathname === DEMO_CONFIG_PATH) return sendJson(response, demoConfig(targets, switchDate));
    if (url.pathname === "/_demo/cognito-code") {
      const email = url.searchParams.get("email") ?? "";
      const code = email && targets.cognitoCode ? await targets.cognitoCode(email) : undefined;
      return sendJson(response, { code: code ?? "" });
    }
    const path = normalize(url.pathname === "/" ? "/index.html" : url.pathname);
    const file = join(root, path);
    if (!file.startsWith(root) || !(await isFile(file))) {
      // Emailed links land on paths such as /confirm?token=…: every page is the one page.
      return sendFile(response, join(root, "index.html"));
    }
    return sendFile(response, file);
  }

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}/`,
    async stop() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      // The last server out removes the built page; a later start builds it again.
      if (--serving === 0 && built !== undefined) {
        built = undefined;
        await rm(root, { recursive: true, force: true });
      }
    },
  };
}

/** "4 December 2026": the default switch date is the day the demo started. */
export function longDate(date: Date): string {
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(date);
}

export function demoConfig(targets: DemoTargets, switchDate: string): DemoConfig {
  return {
    mode: targets.mode,
    realm: { appId: targets.realm.appId, baseUrl: targets.realm.baseUrl },
    cognito: {
      endpoint: targets.cognito.endpoint,
      region: targets.cognito.region,
      clientId: targets.clientId,
    },
    migrationApi: { baseUrl: targets.migrationApiBaseUrl },
    sandbox: { outboxUrl: `${targets.realm.baseUrl}/_sandbox/outbox`, cognitoCodeUrl: "/_demo/cognito-code" },
    switchDate,
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function sendJson(response: ServerResponse, body: unknown): void {
  response.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  response.end(JSON.stringify(body));
}

async function sendFile(response: ServerResponse, file: string): Promise<void> {
  const body = await readFile(file);
  response.writeHead(200, {
    "Content-Type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
    "Cache-Control": "no-store",
  });
  response.end(body);
}
