// AWS Signature Version 4 for the endpoints' Cognito calls: one POST with a body, no query string. It
// replaces @smithy/signature-v4 in the bundles because that package's helpers (@smithy/core/serde) import
// node:crypto at load, ~3 ms of every endpoint's cold start; the tests check that both sign alike.
// node:crypto is loaded at the first signed call instead (the bench's "first call" shows that cost). A
// plain-JS SHA-256 avoided it altogether but cost more: three cold signatures took ~9.5 ms of CPU
// (interpreter, then JIT threads) against ~5.3 ms for loading node:crypto and signing natively.
import type { BinaryLike, KeyObject } from "node:crypto";

type NodeCrypto = typeof import("node:crypto");
let loadingCrypto: Promise<NodeCrypto> | undefined;
const nodeCrypto = () => {
  loadingCrypto ??= import("node:crypto");
  return loadingCrypto;
};

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignableRequest {
  readonly method: string;
  readonly url: URL;
  /** Header names in lower case; `host` is added from the URL. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";

/**
 * The request's headers plus SigV4's (`x-amz-date`, `x-amz-security-token` with a session,
 * `x-amz-content-sha256`, `authorization`), every header signed.
 * @example const headers = signRequest(request, { region: "eu-west-1", service: "cognito-idp" }, credentials);
 */
export async function signRequest(
  request: SignableRequest,
  scope: { readonly region: string; readonly service: string },
  credentials: AwsCredentials,
  now: Date = new Date(),
): Promise<Record<string, string>> {
  const { createHash, createHmac } = await nodeCrypto();
  const sha256Hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
  const hmac = (key: BinaryLike | KeyObject, data: string) =>
    createHmac("sha256", key).update(data, "utf8").digest();
  const longDate = now
    .toISOString()
    .replace(/\.\d{3}/, "")
    .replace(/[-:]/g, "");
  const shortDate = longDate.slice(0, 8);
  const credentialScope = `${shortDate}/${scope.region}/${scope.service}/aws4_request`;
  const payloadHash = sha256Hex(request.body);
  const headers: Record<string, string> = {
    ...request.headers,
    host: request.url.host,
    "x-amz-date": longDate,
    ...(credentials.sessionToken ? { "x-amz-security-token": credentials.sessionToken } : {}),
    "x-amz-content-sha256": payloadHash,
  };
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    request.method,
    canonicalPath(request.url.pathname),
    "",
    ...names.map((name) => `${name}:${canonicalValue(headers[name] ?? "")}`),
    "",
    names.join(";"),
    payloadHash,
  ].join("\n");
  const stringToSign = [ALGORITHM, longDate, credentialScope, sha256Hex(canonicalRequest)].join("\n");
  const signature = hmac(
    signingKey(hmac, credentials.secretAccessKey, credentialScope),
    stringToSign,
  ).toString("hex");
  headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return headers;
}

// The key depends only on the secret and the scope (day, region, service): derived once a day per
// container instead of four HMACs per call. One entry: a Lambda container holds one role's credentials.
let lastKey: { readonly secret: string; readonly scope: string; readonly key: Buffer } | undefined;

function signingKey(
  hmac: (key: BinaryLike, data: string) => Buffer,
  secret: string,
  credentialScope: string,
): Buffer {
  if (lastKey?.secret === secret && lastKey.scope === credentialScope) return lastKey.key;
  let key = hmac(`AWS4${secret}`, credentialScope.slice(0, 8));
  for (const part of credentialScope.split("/").slice(1)) key = hmac(key, part);
  lastKey = { secret, scope: credentialScope, key };
  return key;
}

function canonicalValue(value: string): string {
  return value
    .replace(/[\r\n]/g, " ")
    .replace(/[ \t]+/g, " ")
    .replace(/^ | $/g, "");
}

/** The URL's path, `.` and `..` resolved, each segment URI-encoded (as for every service but S3). */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
  const normalized = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${trailing}`;
  return encodeURIComponent(normalized)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, "/");
}
