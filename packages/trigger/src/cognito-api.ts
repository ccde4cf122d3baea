import { type AwsCredentials, signRequest } from "./sigv4.js";

/**
 * Cognito's JSON API over `fetch`, signed with SigV4 (./sigv4.ts, which signs as `@smithy/signature-v4`
 * does, loading node:crypto at the first call rather than at import): the few admin calls the endpoints make, without the 500 kB AWS SDK. Credentials come from the Lambda runtime's environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), read at each call, which is the
 * credential chain Lambda gives a function's role. Every call has a deadline.
 */
export interface CognitoApiOptions {
  readonly region: string;
  /** Default `https://cognito-idp.<region>.amazonaws.com/` (another only for cognito-local). */
  readonly endpoint?: string;
  /** Deadline of each call in milliseconds. */
  readonly timeoutMs: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
}

/** Cognito refused or failed a call; `name` is Cognito's exception name (e.g. `UserNotFoundException`). */
export class CognitoCallError extends Error {
  override readonly name: string;
  readonly code = "COGNITO_CALL_FAILED";
  readonly operation: string;
  readonly status: number;

  constructor(operation: string, exception: string, status: number, options?: { cause?: unknown }) {
    super(`Cognito ${operation} failed: ${exception} (HTTP ${status})`, options);
    this.name = exception;
    this.operation = operation;
    this.status = status;
  }
}

export class CognitoApi {
  private readonly url: URL;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: CognitoApiOptions) {
    this.url = new URL(options.endpoint ?? `https://cognito-idp.${options.region}.amazonaws.com/`);
    this.env = options.env ?? process.env;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Lambda's credential chain for a function's role: the runtime's environment, read at each call. */
  private credentials(): AwsCredentials {
    const accessKeyId = this.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = this.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey)
      throw new Error("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them)");
    const sessionToken = this.env.AWS_SESSION_TOKEN;
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }

  /** Calls `AWSCognitoIdentityProviderService.<operation>`; throws CognitoCallError on a refusal. */
  async call(operation: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    const body = JSON.stringify(input);
    const headers = await signRequest(
      {
        method: "POST",
        url: this.url,
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
        },
        body,
      },
      { region: this.options.region, service: "cognito-idp" },
      this.credentials(),
    );
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await this.fetchFn(this.url, {
        method: "POST",
        headers,
        body,
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
    } catch (error) {
      const late = deadline.aborted || signal?.aborted;
      throw new CognitoCallError(operation, late ? "Timeout" : "NetworkError", 0, { cause: error });
    }
    const text = await response.text().catch(() => "");
    const json = parseJson(text);
    if (response.ok) return json;
    throw new CognitoCallError(operation, exceptionName(response, json), response.status);
  }
}

function parseJson(text: string): unknown {
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

/** `com.amazonaws.cognito#UserNotFoundException` or `UserNotFoundException:…` → `UserNotFoundException`. */
function exceptionName(response: Response, json: unknown): string {
  const raw =
    response.headers.get("x-amzn-errortype") ??
    (typeof json === "object" && json !== null ? Reflect.get(json, "__type") : undefined);
  if (typeof raw !== "string" || raw === "") return `HTTP${response.status}`;
  return raw.split(":")[0]?.split("#").at(-1) ?? raw;
}
