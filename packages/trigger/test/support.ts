import { createServer as createHttpServer, request } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import {
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { AdminClient, type FetchFunction } from "@realm-to-cognito/realm";
import type { AppServicesEmulator } from "@realm-to-cognito/sandbox";
import type { PoolUser, PoolUsers } from "../src/cognito-users.js";
import { createLogger, type Logger } from "../src/log.js";
import {
  MIGRATION_STATE_ATTRIBUTE,
  type MigrationState,
  RESET_REQUESTED_AT_ATTRIBUTE,
} from "../src/migration-state.js";

/** An Admin API client for the emulator's app, signed in with the API key it was started with. */
export function emulatorAdmin(realm: AppServicesEmulator, fetch?: FetchFunction): AdminClient {
  return new AdminClient({
    baseUrl: realm.adminBaseUrl,
    groupId: realm.groupId,
    appObjectId: realm.appObjectId,
    publicKey: realm.apiKey.publicKey,
    privateKey: realm.apiKey.privateKey,
    ...(fetch ? { fetch } : {}),
  });
}

/** Everything a logger wrote, as text, for assertions about what reached the log. */
export interface CapturedLog {
  readonly log: Logger;
  text(): string;
  lines(): Record<string, unknown>[];
}

export function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const log = createLogger({
    level: "debug",
    destination: { write: (line: string) => void chunks.push(line) },
  });
  return {
    log,
    text: () => chunks.join(""),
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A stream that keeps what is written to it (for the bridge's worker output). */
export function collectingStream(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** The User Migration event as real Cognito documents it. */
export function cognitoEvent(
  overrides: { triggerSource?: string; userName?: string; password?: string | undefined } = {},
): Record<string, unknown> {
  const triggerSource = overrides.triggerSource ?? "UserMigration_Authentication";
  const request: Record<string, unknown> = { validationData: null, clientMetadata: { source: "web" } };
  if (triggerSource === "UserMigration_Authentication") request.password = overrides.password ?? "";
  return {
    version: "1",
    triggerSource,
    region: "eu-west-1",
    userPoolId: "eu-west-1_AbCdEfGhI",
    userName: overrides.userName ?? "user1@example.com",
    callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: "1example23456789" },
    request,
    response: {
      userAttributes: null,
      forceAliasCreation: null,
      enableSMSMFA: null,
      finalUserStatus: null,
      messageAction: null,
      desiredDeliveryMediums: null,
    },
  };
}

/** The event exactly as cognito-local 5.3 sends it on InitiateAuth without ClientMetadata. */
export function cognitoLocalEvent(userName: string, password: string): Record<string, unknown> {
  return {
    version: "0",
    callerContext: { awsSdkVersion: "2.1693.0", clientId: "9w68uzzka9aq7wu5syrudgqnv" },
    region: "local",
    userPoolId: "local_6DjL1daD",
    triggerSource: "UserMigration_Authentication",
    userName,
    request: { password },
    response: { desiredDeliveryMediums: [], userAttributes: {} },
  };
}

/** An API Gateway HTTP API payload-2.0 event with a JSON body. */
export function httpEvent(
  body: unknown,
  options: {
    sourceIp?: string;
    method?: string;
    raw?: string;
    base64?: boolean;
    headers?: Record<string, string>;
  } = {},
): Record<string, unknown> {
  const text = options.raw ?? JSON.stringify(body);
  return {
    version: "2.0",
    routeKey: "POST /x",
    rawPath: "/x",
    rawQueryString: "",
    headers: { "content-type": "application/json", ...options.headers },
    requestContext: {
      http: { method: options.method ?? "POST", path: "/x", sourceIp: options.sourceIp ?? "203.0.113.7" },
    },
    body: options.base64 ? Buffer.from(text).toString("base64") : text,
    isBase64Encoded: options.base64 ?? false,
  };
}

/** A TCP server that accepts connections and never answers: Realm hanging. */
export async function startHangingServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A stand-in for the AWS Parameters and Secrets Lambda Extension's local HTTP API (an AWS-managed layer,
 * not ours): `GET /secretsmanager/get?secretId=…` with the session token in
 * `X-Aws-Parameters-Secrets-Token` answers GetSecretValue's JSON; a wrong token is 401, an unknown
 * secret 400, as the extension passes Secrets Manager's refusal on.
 */
export async function startSecretsExtension(options: {
  token: string;
  secrets: Record<string, string>;
}): Promise<{ port: number; requests: string[]; stop(): Promise<void> }> {
  const requests: string[] = [];
  const server = createHttpServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    requests.push(url.pathname);
    const id = url.searchParams.get("secretId") ?? "";
    if (request.headers["x-aws-parameters-secrets-token"] !== options.token)
      return void response.writeHead(401).end("not authorized");
    if (url.pathname !== "/secretsmanager/get" || !Object.hasOwn(options.secrets, id))
      return void response.writeHead(400).end(
        JSON.stringify({
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret.",
        }),
      );
    response.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        ARN: id,
        Name: id,
        SecretString: options.secrets[id],
        VersionStages: ["AWSCURRENT"],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "localhost", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on which nothing listens: Realm down. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${address.port}`;
}

/** A pool held in memory, for endpoint tests that are not about Cognito itself. */
export class MemoryPool implements PoolUsers {
  readonly users = new Map<
    string,
    {
      username: string;
      attributes: Record<string, string>;
      password: string;
      sessions: number;
      status: string;
      lastModified?: number;
    }
  >();
  /** What markStale throws, e.g. Cognito's answer for a pool lacking custom:reset_requested_at. */
  markStaleFailsWith: Error | undefined;
  failWith: Error | undefined;
  policyMinimumLength = 8;
  /** Milliseconds each call takes, to show the answer's timing does not depend on the work. */
  delayMs = 0;
  readonly calls: string[] = [];

  add(email: string, attributes: Record<string, string>, password: string, status = "CONFIRMED"): void {
    this.users.set(email.toLowerCase(), {
      username: `uuid-${this.users.size + 1}`,
      attributes: { email, email_verified: "true", ...attributes },
      password,
      sessions: 1,
      status,
    });
  }

  user(email: string) {
    return this.users.get(email.toLowerCase());
  }

  private async step(call: string, signal?: AbortSignal): Promise<void> {
    this.calls.push(call);
    if (this.delayMs > 0)
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.delayMs);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    signal?.throwIfAborted();
    if (this.failWith) throw this.failWith;
  }

  private byName(username: string) {
    return [...this.users.values()].find((user) => user.username === username);
  }

  async findByEmail(email: string, signal?: AbortSignal): Promise<PoolUser | undefined> {
    await this.step("findByEmail", signal);
    const user = this.users.get(email.toLowerCase());
    return (
      user && {
        username: user.username,
        attributes: { ...user.attributes },
        status: user.status,
        lastModified: user.lastModified,
      }
    );
  }

  async delete(username: string, signal?: AbortSignal): Promise<void> {
    await this.step("delete", signal);
    for (const [key, user] of this.users) if (user.username === username) this.users.delete(key);
  }

  async setPermanentPassword(
    username: string,
    password: string,
    signal?: AbortSignal,
  ): Promise<"set" | "rejected"> {
    await this.step("setPermanentPassword", signal);
    if (password.length < this.policyMinimumLength) return "rejected";
    const user = this.byName(username);
    if (user) user.password = password;
    return "set";
  }

  async signOutEverywhere(username: string, signal?: AbortSignal): Promise<void> {
    await this.step("signOutEverywhere", signal);
    const user = this.byName(username);
    if (user) user.sessions = 0;
  }

  async setMigrationState(username: string, state: MigrationState, signal?: AbortSignal): Promise<void> {
    await this.step("setMigrationState", signal);
    const user = this.byName(username);
    if (user) user.attributes[MIGRATION_STATE_ATTRIBUTE] = state;
  }

  async markStale(username: string, requestedAt: Date, signal?: AbortSignal): Promise<void> {
    await this.step("markStale", signal);
    if (this.markStaleFailsWith) throw this.markStaleFailsWith;
    const user = this.byName(username);
    if (user) {
      user.attributes[MIGRATION_STATE_ATTRIBUTE] = "stale";
      user.attributes[RESET_REQUESTED_AT_ATTRIBUTE] = requestedAt.toISOString();
    }
  }

  async acceptsPassword(
    username: string,
    password: string,
    signal?: AbortSignal,
  ): Promise<boolean | undefined> {
    await this.step("acceptsPassword", signal);
    return this.byName(username)?.password === password;
  }
}

/**
 * POSTs JSON to an endpoint as a caller would, optionally from a chosen loopback address (Linux routes all
 * of 127/8 to lo) and with extra headers; answers the status and the parsed body.
 */
export function postJson(
  url: string,
  body: unknown,
  from: { address?: string | undefined; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const target = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        ...(from.address ? { localAddress: from.address } : {}),
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          ...from.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>,
          }),
        );
      },
    );
    call.on("error", reject);
    call.end(payload);
  });
}

/** A USER_PASSWORD_AUTH sign-in: "accepted", "challenged", or the refusal's exception name. */
export async function passwordSignIn(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  email: string,
  password: string,
): Promise<string> {
  try {
    const result = await cognito.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    return result.AuthenticationResult?.IdToken ? "accepted" : "challenged";
  } catch (error) {
    return (error as Error).name;
  }
}
