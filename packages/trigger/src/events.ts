import * as z from "zod/mini";
import { BadRequestError, InvalidEventError } from "./errors.js";
import { lazy } from "./lazy.js";

const TRIGGER_SOURCES = ["UserMigration_Authentication", "UserMigration_ForgotPassword"] as const;

// Built on the first event, not at cold start (constructing zod/mini schemas is most of an import's cost).
// The two shapes are told apart by triggerSource in code: zod's discriminated union alone would add
// 3.6 kB to a bundle budgeted at 50 kB.
const userMigrationSchemas = lazy(() => {
  // Real Cognito sends null for empty maps in some paths; cognito-local omits them. Both mean "none".
  const metadata = z.optional(z.nullable(z.looseObject({})));
  const common = {
    version: z.optional(z.string()),
    region: z.optional(z.string()),
    userPoolId: z.optional(z.string()),
    userName: z.string().check(z.minLength(1, "userName is empty")),
    callerContext: z.optional(
      z.looseObject({ awsSdkVersion: z.optional(z.string()), clientId: z.optional(z.string()) }),
    ),
    // cognito-local fills only part of it ({ desiredDeliveryMediums: [], userAttributes: {} }).
    response: z.optional(z.nullable(z.looseObject({}))),
  };

  const authenticationEvent = z.looseObject({
    ...common,
    triggerSource: z.enum(["UserMigration_Authentication"]),
    request: z.looseObject({
      password: z.string().check(z.minLength(1, "password is empty")),
      validationData: metadata,
      clientMetadata: metadata,
    }),
  });

  const forgotPasswordEvent = z.looseObject({
    ...common,
    triggerSource: z.enum(["UserMigration_ForgotPassword"]),
    request: z.looseObject({
      // Absent, or null as some Cognito paths send absent fields; a real value means a confused caller.
      password: z.optional(z.nullable(z.never("no password is sent in the forgot-password flow"))),
      validationData: metadata,
      clientMetadata: metadata,
    }),
  });

  return { authenticationEvent, forgotPasswordEvent };
});
type UserMigrationSchemas = ReturnType<typeof userMigrationSchemas>;

export type AuthenticationEvent = z.infer<UserMigrationSchemas["authenticationEvent"]>;
export type ForgotPasswordEvent = z.infer<UserMigrationSchemas["forgotPasswordEvent"]>;
/** The User Migration trigger's event, as real Cognito and cognito-local send it. */
export type UserMigrationEvent = AuthenticationEvent | ForgotPasswordEvent;

/** What the trigger adds to the event it returns. */
export interface UserMigrationResponse {
  userAttributes: Record<string, string>;
  finalUserStatus: "CONFIRMED" | "RESET_REQUIRED";
  messageAction: "SUPPRESS";
  desiredDeliveryMediums: ["EMAIL"];
}

/** Checks the event; the error names the field but never quotes a value (the password is in there). */
export function parseUserMigrationEvent(event: unknown): UserMigrationEvent {
  const source =
    typeof event === "object" && event !== null ? Reflect.get(event, "triggerSource") : undefined;
  const schemas = userMigrationSchemas();
  const schema =
    source === TRIGGER_SOURCES[0]
      ? schemas.authenticationEvent
      : source === TRIGGER_SOURCES[1]
        ? schemas.forgotPasswordEvent
        : undefined;
  if (schema === undefined) {
    throw new InvalidEventError(
      `not a User Migration event: triggerSource: expected ${TRIGGER_SOURCES.join(" or ")}`,
    );
  }
  const parsed = z.safeParse(schema, event);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidEventError(
    `not a User Migration event: ${issue?.path.join(".") || "(event)"}: ${issue?.message ?? "invalid"}`,
  );
}

/** API Gateway HTTP API (payload 2.0) and Lambda Function URL events: the same shape. */
export const httpEventSchema = lazy(() =>
  z.looseObject({
    headers: z.optional(z.catchall(z.object({}), z.optional(z.string()))),
    body: z.optional(z.nullable(z.string())),
    isBase64Encoded: z.optional(z.boolean()),
    requestContext: z.looseObject({
      http: z.looseObject({
        method: z.string(),
        sourceIp: z.optional(z.string()),
      }),
    }),
  }),
);
export type HttpEvent = z.infer<ReturnType<typeof httpEventSchema>>;

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function parseHttpEvent(event: unknown): HttpEvent {
  const parsed = z.safeParse(httpEventSchema(), event);
  if (!parsed.success) throw new InvalidEventError("not an API Gateway v2 or Function URL event");
  return parsed.data;
}

/** Bodies are small JSON objects; anything bigger is not ours. */
export const MAX_BODY_BYTES = 4096;

/** Reads and validates a JSON body; every problem is a BadRequestError with a message for the caller. */
export function readJsonBody<T>(event: HttpEvent, schema: z.ZodMiniType<T>): T {
  if (event.requestContext.http.method.toUpperCase() !== "POST") throw new BadRequestError("use POST");
  const raw = event.body ?? "";
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > MAX_BODY_BYTES)
    throw new BadRequestError(`the body is larger than ${MAX_BODY_BYTES} bytes`);
  if (bytes.length === 0) throw new BadRequestError("the body is empty: send a JSON object");
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new BadRequestError("the body is not valid JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new BadRequestError("the body must be a JSON object");
  }
  const parsed = z.safeParse(schema, json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.join(".") || "(body)";
  throw new BadRequestError(`${where}: ${issue?.message ?? "invalid"}`);
}

/** The caller's address, for rate limits; "unknown" when the gateway gives none. */
export function clientAddress(event: HttpEvent): string {
  return event.requestContext.http.sourceIp ?? "unknown";
}

export function jsonResult(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}
