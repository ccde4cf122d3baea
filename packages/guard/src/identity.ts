import { CognitoJwtVerifier, JwtVerifier } from "aws-jwt-verify";
import { type Jwks, SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { z } from "zod";
import { GuardError } from "./errors.js";
import type { RealmUser } from "./guard.js";

/** The Cognito attribute holding the Realm user id (see core's attribute mapping). */
export const REALM_USER_ID_CLAIM = "custom:realm_user_id";

/** The claims the guard read from a verified token. */
export interface VerifiedIdentity {
  /** The Realm-compatible user: `id` is `custom:realm_user_id` (or `sub` for users who never had one). */
  user: RealmUser;
  sub: string | undefined;
  email: string | undefined;
  groups: string[];
  tokenUse: "id" | "access";
  /** Every verified claim, for handlers that need more. */
  claims: Readonly<Record<string, unknown>>;
}

/** Verifies a bearer token and returns the user it proves. */
export interface IdentityVerifier {
  verify(token: string): Promise<VerifiedIdentity>;
}

/** How to verify tokens. */
export interface IdentityOptions {
  userPoolId: string;
  /** The app client(s) whose tokens are accepted. */
  clientId: string | string[];
  /**
   * Which token the front end sends. Default `"id"`: only the ID token carries `custom:realm_user_id`.
   * With `"access"` (or `"either"`), give `resolveRealmUserId` to look the id up (e.g. AdminGetUser).
   */
  tokenUse?: "id" | "access" | "either";
  /** Region of the pool; default taken from the pool id. */
  region?: string;
  /**
   * For cognito-local or another emulator only: its `iss` (e.g. `http://localhost:9229/<poolId>`)
   * and JWKS URI. Production leaves both out and gets `CognitoJwtVerifier`'s own checks.
   */
  issuer?: string;
  jwksUri?: string;
  /** Finds the Realm user id of a verified access token's user; never trusted from the request. */
  resolveRealmUserId?: (claims: Readonly<Record<string, unknown>>) => Promise<string | undefined>;
  /**
   * A user without `custom:realm_user_id` signed up after the switch. `"sub"` (default) uses the
   * Cognito `sub` as `%%user.id`, which cannot collide with Realm's ObjectId-shaped ids; `"refuse"`
   * answers 401.
   */
  whenNoRealmUserId?: "sub" | "refuse";
  /** Extra allowed clock skew in seconds; default 0. */
  graceSeconds?: number;
  /** A key set to start with instead of fetching it (air-gapped runs, tests); unknown key ids are still fetched. */
  jwks?: Jwks;
}

const claimsSchema = z.looseObject({
  sub: z.string().optional(),
  email: z.string().optional(),
  "cognito:groups": z.array(z.string()).optional(),
  "cognito:username": z.string().optional(),
  username: z.string().optional(),
  token_use: z.enum(["id", "access"]),
  [REALM_USER_ID_CLAIM]: z.string().min(1).optional(),
});

/** Node's fetch speaks http too (cognito-local); aws-jwt-verify's default fetcher only https. */
const fetchFetcher = {
  async fetch(uri: string): Promise<ArrayBuffer> {
    const response = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (response.status !== 200) throw new Error(`JWKS answered HTTP ${response.status}`);
    return response.arrayBuffer();
  },
};

function clientIds(clientId: string | string[]): string[] {
  return Array.isArray(clientId) ? clientId : [clientId];
}

type Verify = (token: string) => Promise<JwtPayload>;

function productionVerifier(options: IdentityOptions, tokenUse: "id" | "access" | null): Verify {
  const verifier = CognitoJwtVerifier.create({
    userPoolId: options.userPoolId,
    clientId: clientIds(options.clientId),
    tokenUse,
    graceSeconds: options.graceSeconds ?? 0,
  });
  if (options.jwks) verifier.cacheJwks(options.jwks);
  return (token) => verifier.verify(token);
}

/** The generic verifier with the checks CognitoJwtVerifier would add: token_use and client. */
function emulatorVerifier(
  options: IdentityOptions,
  issuer: string,
  tokenUse: "id" | "access" | null,
): Verify {
  const jwksUri = options.jwksUri ?? `${issuer}/.well-known/jwks.json`;
  const allowed = clientIds(options.clientId);
  const verifier = JwtVerifier.create(
    {
      issuer,
      jwksUri,
      audience: null,
      graceSeconds: options.graceSeconds ?? 0,
      customJwtCheck: ({ payload }) => {
        const use = payload.token_use;
        if (use !== "id" && use !== "access") throw new Error("token_use is missing");
        if (tokenUse && use !== tokenUse)
          throw new Error(`token_use is ${String(use)}, expected ${tokenUse}`);
        const client = use === "id" ? payload.aud : payload.client_id;
        const clients = Array.isArray(client) ? client : [client];
        if (!clients.some((value) => typeof value === "string" && allowed.includes(value))) {
          throw new Error("the token was issued to another client");
        }
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: fetchFetcher }) },
  );
  if (options.jwks) verifier.cacheJwks(options.jwks);
  return (token) => verifier.verify(token);
}

/**
 * Builds the verifier once (module scope in a Lambda) so the JWKS is fetched once and cached.
 * @example
 * const identity = createIdentityVerifier({ userPoolId, clientId });
 * const { user } = await identity.verify(bearerToken(event.headers.authorization));
 */
export function createIdentityVerifier(options: IdentityOptions): IdentityVerifier {
  const tokenUse = options.tokenUse ?? "id";
  const expected = tokenUse === "either" ? null : tokenUse;
  if (tokenUse !== "id" && !options.resolveRealmUserId) {
    throw new TypeError(
      "Access tokens carry no custom:realm_user_id: give resolveRealmUserId, or verify ID tokens",
    );
  }
  const verify = options.issuer
    ? emulatorVerifier(options, options.issuer, expected)
    : productionVerifier(options, expected);
  return {
    async verify(token) {
      let payload: JwtPayload;
      try {
        payload = await verify(token);
      } catch (error) {
        throw new GuardError("TOKEN_INVALID", "The token is not valid for this app; sign in again", {
          cause: error,
        });
      }
      const parsed = claimsSchema.safeParse(payload);
      if (!parsed.success)
        throw new GuardError("TOKEN_INVALID", "The token lacks the claims the guard needs");
      return identityFrom(parsed.data, options);
    },
  };
}

async function identityFrom(
  claims: z.infer<typeof claimsSchema>,
  options: IdentityOptions,
): Promise<VerifiedIdentity> {
  let id: string | undefined = claims[REALM_USER_ID_CLAIM];
  if (!id && claims.token_use === "access" && options.resolveRealmUserId)
    id = await options.resolveRealmUserId(claims);
  if (!id && (options.whenNoRealmUserId ?? "sub") === "sub") id = claims.sub;
  if (!id)
    throw new GuardError(
      "USER_ID_MISSING",
      "The token does not say which Realm user this is; send the ID token",
    );
  const groups = claims["cognito:groups"] ?? [];
  const data: Record<string, unknown> = { groups };
  if (claims.email) data.email = claims.email;
  return {
    user: {
      id,
      type: "normal",
      data,
      custom_data: {},
      identities: [
        { id: claims.sub ?? claims["cognito:username"] ?? claims.username ?? id, provider_type: "cognito" },
      ],
    },
    sub: claims.sub,
    email: claims.email,
    groups,
    tokenUse: claims.token_use,
    claims,
  };
}

/** The token from an `Authorization: Bearer <token>` header; nothing else is accepted. */
export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(authorization?.trim() ?? "");
  if (!match?.[1])
    throw new GuardError("TOKEN_MISSING", "Send the Cognito ID token as `Authorization: Bearer <token>`");
  return match[1];
}
