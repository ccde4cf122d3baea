import { createHash, createHmac } from "node:crypto";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoSender } from "./client.js";

/** AWS credentials as the SDK resolves them. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

const SERVICE = "cognito-idp";
const TARGET_PREFIX = "AWSCognitoIdentityProviderService";
// The import's hot calls; everything else goes through the SDK.
const FAST_OPERATIONS = new Map<unknown, string>([
  [AdminCreateUserCommand, "AdminCreateUser"],
  [AdminSetUserPasswordCommand, "AdminSetUserPassword"],
  [AdminGetUserCommand, "AdminGetUser"],
]);

/**
 * A Cognito sender for the import's three hot calls that speaks the JSON 1.1 protocol itself (SigV4
 * with node:crypto, keep-alive sockets), at a fifth of the SDK's CPU a request; other commands and the
 * credentials come from the SDK client. Opt-in (`import.transport: "fast"`): worth it only when the
 * account's quota allows hundreds of users a second.
 */
export function createFastCognitoSender(options: {
  sdk: CognitoIdentityProviderClient;
  region: string;
  endpoint?: string | undefined;
  maxSockets?: number;
  credentials?: () => Promise<Credentials>;
  now?: () => Date;
}): CognitoSender {
  const url = new URL(options.endpoint ?? `https://cognito-idp.${options.region}.amazonaws.com/`);
  const secure = url.protocol === "https:";
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 })
    : new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const credentials = options.credentials ?? (() => options.sdk.config.credentials() as Promise<Credentials>);
  const now = options.now ?? (() => new Date());
  const signer = new SigV4Signer(options.region, SERVICE);

  const send = async (command: { input: object; constructor: unknown }): Promise<unknown> => {
    const operation = FAST_OPERATIONS.get(command.constructor);
    if (operation === undefined) return options.sdk.send(command as never);
    const body = JSON.stringify(command.input);
    const headers: Record<string, string> = {
      "content-type": "application/x-amz-json-1.1",
      host: url.host,
      "x-amz-target": `${TARGET_PREFIX}.${operation}`,
    };
    const signed = signer.sign(
      { method: "POST", path: url.pathname || "/", headers, body },
      await credentials(),
      now(),
    );
    const { status, text } = await post(secure ? httpsRequest : httpRequest, url, agent, signed, body);
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

/** Signature Version 4 for one JSON POST (no query string), as AWS documents it. */
export class SigV4Signer {
  private keyCache: { day: string; secret: string; key: Buffer } | undefined;

  constructor(
    private readonly region: string,
    private readonly service: string,
  ) {}

  sign(
    request: { method: string; path: string; headers: Record<string, string>; body: string },
    credentials: Credentials,
    at: Date,
  ): Record<string, string> {
    const amzDate = at.toISOString().replace(/[:-]|\.\d{3}/g, "");
    const day = amzDate.slice(0, 8);
    const headers: Record<string, string> = { ...request.headers, "x-amz-date": amzDate };
    if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
    const names = Object.keys(headers)
      .map((name) => name.toLowerCase())
      .sort();
    const lower = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const canonicalHeaders = names
      .map((name) => `${name}:${lower[name]!.trim().replace(/\s+/g, " ")}\n`)
      .join("");
    const signedHeaders = names.join(";");
    const payloadHash = sha256(request.body);
    const canonicalRequest = [
      request.method,
      request.path,
      "",
      canonicalHeaders,
      signedHeaders,
      payloadHash,
    ].join("\n");
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
    const signature = createHmac("sha256", this.signingKey(day, credentials.secretAccessKey))
      .update(stringToSign)
      .digest("hex");
    return {
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
  }

  private signingKey(day: string, secret: string): Buffer {
    if (this.keyCache?.day === day && this.keyCache.secret === secret) return this.keyCache.key;
    const dateKey = hmac(`AWS4${secret}`, day);
    const key = hmac(hmac(hmac(dateKey, this.region), this.service), "aws4_request");
    this.keyCache = { day, secret, key };
    return key;
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function hmac(key: string | Buffer, text: string): Buffer {
  return createHmac("sha256", key).update(text).digest();
}
