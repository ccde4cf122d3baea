// cognito-local stores an app client's PreventUserExistenceErrors but never applies it: a user it does
// not know gets UserNotFoundException, an imported one PasswordResetRequiredException, a wrong password
// InvalidPasswordException. This proxy stands in front of it and answers as Amazon Cognito does for a
// client with PreventUserExistenceErrors ENABLED, per "Managing user existence error responses"
// (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html):
// - USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH: a generic NotAuthorizedException ("user name or
//   password is incorrect"), for imported users too instead of PasswordResetRequiredException;
// - ForgotPassword for a user that does not exist: CodeDeliveryDetails with a simulated delivery medium;
// - ConfirmForgotPassword for a user that does not exist: CodeMismatchException.
// Clients with LEGACY (or no) setting get cognito-local's answers unchanged.
// With `lambdaEndpoint`, it also runs what cognito-local never does: ForgotPassword for a user the pool
// does not have invokes the pool's User Migration trigger (`UserMigration_ForgotPassword`), and a user
// the trigger returns is created before the code is sent.
import type { IncomingMessage, ServerResponse } from "node:http";
import { listen, readBody } from "../http-server.js";
import { forgotPasswordMigrationEvent } from "./migration-event.js";

const TARGET_PREFIX = "AWSCognitoIdentityProviderService.";
const BODY_LIMIT_BYTES = 1024 * 1024;
/** Amazon Cognito's own wording for a refused USER_PASSWORD_AUTH sign-in. */
export const INCORRECT_CREDENTIALS_MESSAGE = "Incorrect username or password.";
const INCORRECT_CODE_MESSAGE = "Invalid verification code provided, please try again.";
const PASSWORD_FLOWS = new Set(["USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH"]);
/** What a password sign-in may say only when the client reveals user existence (or the password was right). */
const REVEALING_SIGN_IN_ERRORS = new Set([
  "UserNotFoundException",
  "PasswordResetRequiredException",
  "InvalidPasswordException", // cognito-local's word for a wrong password
  "NotAuthorizedException", // cognito-local's "User not authorized", e.g. a refused migration
]);

export interface UserExistenceProxy {
  /** Where clients should send Cognito calls instead of cognito-local. */
  endpoint: string;
  /** Answers rewritten so far, by operation (for tests and the demo's figures). */
  rewrites(): Readonly<Record<string, number>>;
  /** Users the User Migration trigger's ForgotPassword path created so far. */
  forgotPasswordMigrations(): number;
  stop(): Promise<void>;
}

export interface UserExistenceProxyOptions {
  /** cognito-local's endpoint. */
  upstream: string;
  /**
   * The Lambda Invoke API the pool's User Migration trigger runs on (the bridge). Without it, a
   * ForgotPassword for a user the pool does not have runs no trigger, as in cognito-local.
   */
  lambdaEndpoint?: string;
  /** Default 0: a free port. */
  port?: number;
}

interface UpstreamAnswer {
  status: number;
  /** Its headers minus those that describe the transfer (CORS headers stay: the demo page is a browser). */
  headers: Record<string, string>;
  body: Buffer;
}

const TRANSFER_HEADERS = new Set([
  "connection",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "keep-alive",
]);

/**
 * Starts the proxy in front of cognito-local. Every request is forwarded as is; only the answers above,
 * for app clients whose PreventUserExistenceErrors is ENABLED, are rewritten.
 * @example
 * const proxy = await startUserExistenceProxy({ upstream: cognito.endpoint });
 * const client = cognitoLocalClient(proxy.endpoint);
 */
export async function startUserExistenceProxy(
  options: UserExistenceProxyOptions,
): Promise<UserExistenceProxy> {
  const upstream = options.upstream.replace(/\/$/, "");
  const hidesExistence = clientSettings(upstream);
  const rewritten: Record<string, number> = {};
  let migrations = 0;

  async function forward(request: IncomingMessage, body: Buffer): Promise<UpstreamAnswer> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === "string" && !["host", "connection", "content-length"].includes(name)) {
        headers[name] = value;
      }
    }
    const method = request.method ?? "GET";
    const response = await fetch(`${upstream}${request.url ?? "/"}`, {
      method,
      headers,
      ...(method === "GET" || method === "HEAD" ? {} : { body: new Uint8Array(body) }),
    });
    const answerHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!TRANSFER_HEADERS.has(name)) answerHeaders[name] = value;
    });
    return {
      status: response.status,
      headers: answerHeaders,
      body: Buffer.from(await response.arrayBuffer()),
    };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request, BODY_LIMIT_BYTES);
    const target = String(request.headers["x-amz-target"] ?? "");
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
    if (operation === "UpdateUserPoolClient" || operation === "DeleteUserPoolClient") hidesExistence.forget();
    let answer = await forward(request, body);
    if (
      operation === "ForgotPassword" &&
      options.lambdaEndpoint &&
      exceptionOf(answer.body) === "UserNotFoundException" &&
      (await migrateOnForgotPassword(parse(body), options.lambdaEndpoint))
    ) {
      migrations++;
      answer = await forward(request, body);
    }
    const replacement =
      operation && answer.status >= 400 ? await hiddenAnswer(operation, parse(body), answer) : undefined;
    if (replacement) {
      rewritten[operation] = (rewritten[operation] ?? 0) + 1;
      send(response, replacement.status, replacement.body, answer.headers);
      return;
    }
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  }

  /** The answer Cognito gives instead of `answer` when the client hides user existence, if any. */
  async function hiddenAnswer(
    operation: string,
    request: Record<string, unknown>,
    answer: UpstreamAnswer,
  ): Promise<{ status: number; body: unknown } | undefined> {
    const exception = exceptionOf(answer.body);
    const clientId = typeof request.ClientId === "string" ? request.ClientId : "";
    const poolId = typeof request.UserPoolId === "string" ? request.UserPoolId : undefined;
    const rewrite = rewriteFor(operation, request, exception);
    if (!rewrite || !(await hidesExistence.check(clientId, poolId))) return undefined;
    return rewrite;
  }

  /**
   * Cognito's UserMigration_ForgotPassword: asks the pool's trigger about a user it does not have and
   * creates the user it returns. cognito-local can create a user only CONFIRMED or FORCE_CHANGE_PASSWORD
   * through its API, so the user gets a random permanent password nobody knows (CONFIRMED) where Cognito
   * would honour the trigger's `finalUserStatus` (RESET_REQUIRED): either way only the reset gets them in.
   */
  async function migrateOnForgotPassword(
    request: Record<string, unknown>,
    lambdaEndpoint: string,
  ): Promise<boolean> {
    const clientId = typeof request.ClientId === "string" ? request.ClientId : "";
    const username = typeof request.Username === "string" ? request.Username : "";
    const userPoolId =
      clientId && username ? await hidesExistence.poolOf(clientId).catch(() => undefined) : undefined;
    if (!userPoolId) return false;
    const { UserPool } = await hidesExistence.call("DescribeUserPool", { UserPoolId: userPoolId });
    const arn = String(
      (UserPool as { LambdaConfig?: { UserMigration?: unknown } })?.LambdaConfig?.UserMigration ?? "",
    );
    const functionName = /:function:([^:]+)/.exec(arn)?.[1] ?? arn;
    if (functionName === "") return false;
    const event = forgotPasswordMigrationEvent({ userPoolId, clientId, email: username });
    const metadata = request.ClientMetadata;
    const invoked = await fetch(
      `${lambdaEndpoint.replace(/\/$/, "")}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
      {
        method: "POST",
        headers: { "content-type": "application/json", "x-amz-invocation-type": "RequestResponse" },
        body: JSON.stringify(
          metadata && typeof metadata === "object"
            ? { ...event, request: { clientMetadata: metadata } }
            : event,
        ),
      },
    ).catch(() => undefined);
    if (!invoked?.ok || invoked.headers.get("x-amz-function-error")) return false;
    const payload = parse(Buffer.from(await invoked.arrayBuffer()));
    const attributes = (payload.response as { userAttributes?: unknown } | undefined)?.userAttributes;
    if (typeof attributes !== "object" || attributes === null) return false;
    const UserAttributes = Object.entries(attributes)
      .filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[0] !== "username")
      .map(([Name, Value]) => ({ Name, Value }));
    await hidesExistence.call("AdminCreateUser", {
      UserPoolId: userPoolId,
      Username: username,
      MessageAction: "SUPPRESS",
      UserAttributes,
    });
    await hidesExistence.call("AdminSetUserPassword", {
      UserPoolId: userPoolId,
      Username: username,
      Password: `${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url")}aA1!`,
      Permanent: true,
    });
    return true;
  }

  const server = await listen(
    (request, response) => {
      handle(request, response).catch(() => {
        if (!response.headersSent)
          send(response, 500, { __type: "InternalErrorException", message: "proxy" });
        else response.end();
      });
    },
    { port: options.port ?? 0 },
  );
  return {
    endpoint: server.origin,
    rewrites: () => ({ ...rewritten }),
    forgotPasswordMigrations: () => migrations,
    stop: () => server.close(),
  };
}

/** Cognito's answer, with existence hidden, to `operation` that cognito-local refused with `exception`. */
export function rewriteFor(
  operation: string,
  request: Record<string, unknown>,
  exception: string,
): { status: number; body: unknown } | undefined {
  switch (operation) {
    case "InitiateAuth":
    case "AdminInitiateAuth": {
      const flow = typeof request.AuthFlow === "string" ? request.AuthFlow : "";
      if (!PASSWORD_FLOWS.has(flow) || !REVEALING_SIGN_IN_ERRORS.has(exception)) return undefined;
      return {
        status: 400,
        body: { __type: "NotAuthorizedException", message: INCORRECT_CREDENTIALS_MESSAGE },
      };
    }
    case "ForgotPassword": {
      if (exception !== "UserNotFoundException") return undefined;
      const username = typeof request.Username === "string" ? request.Username : "";
      return { status: 200, body: { CodeDeliveryDetails: simulatedDelivery(username) } };
    }
    case "ConfirmForgotPassword":
    case "ConfirmSignUp":
      if (exception !== "UserNotFoundException") return undefined;
      return { status: 400, body: { __type: "CodeMismatchException", message: INCORRECT_CODE_MESSAGE } };
    default:
      return undefined;
  }
}

/**
 * A delivery that looks like a real one for an email username (`a***@e***`), as Cognito answers for a
 * user it does not have: nothing is sent anywhere.
 */
export function simulatedDelivery(username: string): {
  AttributeName: string;
  DeliveryMedium: string;
  Destination: string;
} {
  const [local = "", domain = ""] = username.split("@");
  const first = (part: string) => (part === "" ? "" : `${[...part][0]}***`);
  return {
    AttributeName: "email",
    DeliveryMedium: "EMAIL",
    Destination: `${first(local)}@${first(domain)}`,
  };
}

/** Whether an app client hides user existence, read from cognito-local (which stores the setting) and cached. */
function clientSettings(upstream: string) {
  const cache = new Map<string, Promise<boolean>>();

  async function call(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await fetch(`${upstream}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `${TARGET_PREFIX}${operation}`,
      },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${operation} answered ${response.status}`);
    return parse(Buffer.from(await response.arrayBuffer()));
  }

  async function poolOf(clientId: string): Promise<string | undefined> {
    const { UserPools } = await call("ListUserPools", { MaxResults: 60 });
    for (const pool of Array.isArray(UserPools) ? UserPools : []) {
      const poolId = typeof pool?.Id === "string" ? pool.Id : "";
      if (!poolId) continue;
      const { UserPoolClients } = await call("ListUserPoolClients", { UserPoolId: poolId, MaxResults: 60 });
      if (Array.isArray(UserPoolClients) && UserPoolClients.some((c) => c?.ClientId === clientId)) {
        return poolId;
      }
    }
    return undefined;
  }

  async function lookUp(clientId: string, poolId: string | undefined): Promise<boolean> {
    const UserPoolId = poolId ?? (await poolOf(clientId));
    if (!UserPoolId) return false;
    const { UserPoolClient } = await call("DescribeUserPoolClient", { UserPoolId, ClientId: clientId });
    const client = UserPoolClient as Record<string, unknown> | undefined;
    return client?.PreventUserExistenceErrors === "ENABLED";
  }

  return {
    check(clientId: string, poolId: string | undefined): Promise<boolean> {
      if (clientId === "") return Promise.resolve(false);
      let known = cache.get(clientId);
      if (!known) {
        known = lookUp(clientId, poolId).catch(() => {
          cache.delete(clientId);
          return false;
        });
        cache.set(clientId, known);
      }
      return known;
    },
    forget: () => cache.clear(),
    poolOf,
    call,
  };
}

function parse(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString("utf8") || "{}");
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function exceptionOf(body: Buffer): string {
  const type = parse(body).__type;
  if (typeof type !== "string") return "";
  return type.slice(type.lastIndexOf("#") + 1).split(":")[0] ?? "";
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { ...headers, "content-type": "application/x-amz-json-1.1" });
  response.end(JSON.stringify(body));
}
