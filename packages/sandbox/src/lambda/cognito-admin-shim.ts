import type { IncomingMessage, ServerResponse } from "node:http";
import { listen, readBody } from "../http-server.js";

/**
 * What the endpoint Lambdas reach as COGNITO_ENDPOINT in the sandbox: cognito-local, plus the one admin
 * call they make that cognito-local lacks, `AdminUserGlobalSignOut` (it answers 500 "Unsupported").
 * Emulator-only: here a global sign-out checks the user exists (through cognito-local's AdminGetUser,
 * so an unknown user gets Cognito's own UserNotFoundException) and is recorded, so tests can assert it
 * happened; cognito-local's tokens are not revoked (it cannot). Every other call is passed through as is.
 */
export interface CognitoAdminShim {
  readonly endpoint: string;
  /** `<userPoolId>/<username>` of every global sign-out, in order. */
  readonly signOuts: readonly string[];
  stop(): Promise<void>;
}

const GLOBAL_SIGN_OUT = "AWSCognitoIdentityProviderService.AdminUserGlobalSignOut";

export async function startCognitoAdminShim(options: {
  cognitoEndpoint: string;
  port?: number;
}): Promise<CognitoAdminShim> {
  const signOuts: string[] = [];
  const upstream = options.cognitoEndpoint.replace(/\/$/, "");

  const forward = async (target: string, body: Buffer, headers: IncomingMessage["headers"]) => {
    const passed: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers))
      if (typeof value === "string" && !["host", "content-length", "connection"].includes(name))
        passed[name] = value;
    return fetch(`${upstream}/`, {
      method: "POST",
      headers: { ...passed, "x-amz-target": target },
      body: new Uint8Array(body),
    });
  };

  const reply = async (response: ServerResponse, answer: Response) => {
    const text = await answer.text();
    response.writeHead(answer.status, {
      "content-type": answer.headers.get("content-type") ?? "application/x-amz-json-1.1",
    });
    response.end(text);
  };

  const running = await listen(
    (request, response) => {
      void (async () => {
        const body = await readBody(request, 1024 * 1024);
        const target = String(request.headers["x-amz-target"] ?? "");
        if (request.method === "POST" && target === GLOBAL_SIGN_OUT) {
          const input = JSON.parse(body.toString("utf8")) as { UserPoolId?: string; Username?: string };
          const found = await forward(
            "AWSCognitoIdentityProviderService.AdminGetUser",
            body,
            request.headers,
          );
          if (!found.ok) return reply(response, found);
          await found.body?.cancel();
          signOuts.push(`${input.UserPoolId}/${input.Username}`);
          response.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end("{}");
          return;
        }
        const url = request.url ?? "/";
        if (request.method !== "POST") {
          const answer = await fetch(`${upstream}${url}`);
          return reply(response, answer);
        }
        return reply(response, await forward(target, body, request.headers));
      })().catch((error: unknown) => {
        if (!response.headersSent)
          response
            .writeHead(502, { "content-type": "application/json" })
            .end(JSON.stringify({ __type: "ShimError", message: String(error) }));
      });
    },
    { port: options.port ?? 0 },
  );
  return { endpoint: running.origin, signOuts, stop: () => running.close() };
}
