import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { SignatureV4 } from "@smithy/signature-v4";
import { type Clock, systemClock } from "../clock.js";
import type { CognitoSender } from "./client.js";

const SERVICE = "cognito-idp";
const TARGET_PREFIX = "AWSCognitoIdentityProviderService";
// The import's hot calls; everything else goes through the SDK.
const FAST_OPERATIONS = new Map<unknown, string>([
  [AdminCreateUserCommand, "AdminCreateUser"],
  [AdminSetUserPasswordCommand, "AdminSetUserPassword"],
  [AdminGetUserCommand, "AdminGetUser"],
]);

/**
 * A Cognito sender for the import's three hot calls that speaks the JSON 1.1 protocol itself (keep-alive
 * sockets, no middleware stack), at about a third of the SDK's CPU a user; other commands go through the
 * SDK client. Requests are signed by `@smithy/signature-v4` with what the SDK client resolved: its
 * credential chain (session tokens and refreshes included), its hash, and its correction for a skewed
 * clock. Opt-in (`import.transport: "fast"`): worth it only when the account's quota allows hundreds of
 * users a second.
 */
export function createFastCognitoSender(options: {
  sdk: CognitoIdentityProviderClient;
  region: string;
  endpoint?: string | undefined;
  maxSockets?: number;
  clock?: Clock;
}): CognitoSender {
  const url = new URL(options.endpoint ?? `https://cognito-idp.${options.region}.amazonaws.com/`);
  const secure = url.protocol === "https:";
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 })
    : new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const clock = options.clock ?? systemClock;
  const sdkConfig = options.sdk.config;
  const signer = new SignatureV4({
    service: SERVICE,
    region: options.region,
    sha256: sdkConfig.sha256,
    credentials: () => sdkConfig.credentials(),
    applyChecksum: false,
  });

  const send = async (command: { input: object; constructor: unknown }): Promise<unknown> => {
    const operation = FAST_OPERATIONS.get(command.constructor);
    if (operation === undefined) return options.sdk.send(command as never);
    const body = JSON.stringify(command.input);
    const signed = await signer.sign(
      {
        method: "POST",
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname || "/",
        query: {},
        headers: {
          "content-type": "application/x-amz-json-1.1",
          host: url.host,
          "x-amz-target": `${TARGET_PREFIX}.${operation}`,
        },
        body,
      },
      { signingDate: new Date(clock.now() + (sdkConfig.systemClockOffset ?? 0)) },
    );
    const { status, text } = await post(
      secure ? httpsRequest : httpRequest,
      url,
      agent,
      signed.headers,
      body,
    );
    const json = text === "" ? {} : jsonObject(text);
    if (status >= 400) throw awsError(status, json ?? {}, operation);
    if (json === undefined)
      throw Object.assign(new Error(`${operation}: the answer (HTTP ${status}) is not JSON`), {
        name: "ProtocolError",
        $metadata: { httpStatusCode: status },
      });
    return withDates(json);
  };
  return { send: send as CognitoSender["send"] };
}

function post(
  request: typeof httpRequest,
  url: URL,
  agent: HttpAgent,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname || "/",
        method: "POST",
        agent,
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        timeout: 30_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    outgoing.on("timeout", () =>
      outgoing.destroy(Object.assign(new Error("request timed out"), { name: "TimeoutError" })),
    );
    outgoing.on("error", (error: NodeJS.ErrnoException) =>
      reject(Object.assign(error, { name: error.code ?? error.name })),
    );
    outgoing.end(body);
  });
}

// A proxy or load balancer in the way can answer with HTML; that must stay an HTTP error, not a SyntaxError.
function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// Errors as the SDK shapes them: `name` is the exception (`UsernameExistsException`), with the status.
function awsError(status: number, body: Record<string, unknown>, operation: string): Error {
  const type = typeof body.__type === "string" ? body.__type.split("#").pop()! : `HTTP${status}`;
  const message =
    typeof body.message === "string"
      ? body.message
      : typeof body.Message === "string"
        ? body.Message
        : `${operation} failed`;
  return Object.assign(new Error(message), { name: type, $metadata: { httpStatusCode: status } });
}

// JSON 1.1 timestamps are epoch seconds; the SDK gives Dates for `...Date` members.
function withDates(json: Record<string, unknown>): unknown {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (typeof value !== "object" || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, member]) => [
        key,
        key.endsWith("Date") && typeof member === "number" ? new Date(member * 1000) : convert(member),
      ]),
    );
  };
  return convert(json);
}
