import { CognitoJwtVerifier, JwtVerifier } from "aws-jwt-verify";
import { type Jwks, SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { z } from "zod";
import { GuardError } from "./errors.js";
import type { RealmUser } from "./guard.js";

/** The Cognito attribute holding the Realm user id (see core's attribute mapping). */
export const REALM_USER_ID_CLAIM = "custom:realm_user_id";

/** The Cognito attribute the migration writes with the user's Realm ObjectId (see core's attribute mapping). */
export const MONGO_ID_CLAIM = "custom:mongo_id";

/** Attributes no app client of the pool may write when the guard trusts the id claim. */
export const PROTECTED_ID_ATTRIBUTES: readonly string[] = [REALM_USER_ID_CLAIM, MONGO_ID_CLAIM];

/**
 * Prefix of the id given to users who have no Realm id (they signed up in Cognito after the switch):
 * `cognito:<sub>`. Realm user ids are 24 hex digits, so the two sets can never meet; an id claim or a
 * resolved id that starts with the prefix is refused.
 */
export const COGNITO_ONLY_ID_PREFIX = "cognito:";

/** The claims the guard read from a verified token. */
export interface VerifiedIdentity {
  /** The Realm-compatible user: `id` is the trusted Realm id, or `cognito:<sub>` for users who never had one. */
  user: RealmUser;
  sub: string | undefined;
  /** The email, only when the token says it is verified (and the pool does not let users write `email_verified`). */
  email: string | undefined;
  groups: string[];
  tokenUse: "id" | "access";
  /** Every verified claim, for handlers that need more. Claims other than the id ones may be user-written. */
  claims: Readonly<Record<string, unknown>>;
}

/** Verifies a bearer token and returns the user it proves. */
export interface IdentityVerifier {
  verify(token: string): Promise<VerifiedIdentity>;
  /**
   * Establishes that the identity source can be trusted (for `token-claim`: no app client of the pool
   * can write the id attributes). Call it at cold start (`await identity.ready()` at module scope) so a
   * misconfigured pool fails the deployment; `verify` awaits it too and refuses every request until it holds.
   */
  ready(): Promise<void>;
}

/** One app client of the pool and the attributes it lets users write (`undefined`: not restricted, i.e. all). */
export interface AppClientWriteAttributes {
  clientId: string;
  writeAttributes: readonly string[] | undefined;
}

/**
 * Reads the pool's app clients' `WriteAttributes` (ListUserPoolClients + DescribeUserPoolClient).
 * Every app client counts, not only the ones the guard accepts tokens from: a user may change their
 * attributes with an access token of any client of the pool.
 */
export interface PoolInspector {
  appClients(userPoolId: string): Promise<readonly AppClientWriteAttributes[]>;
}

/**
 * Where `%%user.id` comes from. There is no default: the deployment states how the id is made trustworthy.
 * - `token-claim`: `custom:realm_user_id` from the verified ID token, trusted only once `inspector` shows
 *   that no app client of the pool can write `custom:realm_user_id` or `custom:mongo_id`.
 * - `resolver`: the Realm id looked up server-side by the Cognito `sub`, in a mapping the user cannot
 *   write (written by the migration: trigger, import). The token's id claim is ignored.
 */
export type RealmUserIdSource =
  | { kind: "token-claim"; inspector: PoolInspector }
  | {
      kind: "resolver";
      resolve: (sub: string, claims: Readonly<Record<string, unknown>>) => Promise<string | undefined>;
    };

/** How to verify tokens. */
export interface IdentityOptions {
  userPoolId: string;
  /** The app client(s) whose tokens are accepted. */
  clientId: string | string[];
  /** Where `%%user.id` comes from; see {@link RealmUserIdSource}. Required. */
  realmUserId: RealmUserIdSource;
  /**
   * Which token the front end sends. Default `"id"`. `"access"` (or `"either"`) needs the `resolver`
   * source: access tokens carry no custom attributes.
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
  /**
   * A user with no Realm id signed up after the switch. `"sub"` (default) gives them the id
   * `cognito:<sub>`, which can never equal a Realm id; `"refuse"` answers 401.
   */
  whenNoRealmUserId?: "sub" | "refuse";
  /** Extra allowed clock skew in seconds; default 0. */
  graceSeconds?: number;
  /** A key set to start with instead of fetching it (air-gapped runs, tests); unknown key ids are still fetched. */
  jwks?: Jwks;
}

/** The shape of the SDK calls {@link cognitoPoolInspector} needs; pass `(input) => client.send(new XCommand(input))`. */
export interface CognitoClientCalls {
  listUserPoolClients(input: {
    UserPoolId: string;
    MaxResults: number;
    NextToken?: string;
  }): Promise<{ UserPoolClients?: { ClientId?: string }[]; NextToken?: string }>;
  describeUserPoolClient(input: {
    UserPoolId: string;
    ClientId: string;
  }): Promise<{ UserPoolClient?: { WriteAttributes?: string[] } }>;
}

/**
 * A {@link PoolInspector} over the Cognito API (needs `cognito-idp:ListUserPoolClients` and
 * `cognito-idp:DescribeUserPoolClient` on the pool).
 * @example
 * const cognito = new CognitoIdentityProviderClient({});
 * const inspector = cognitoPoolInspector({
 *   listUserPoolClients: (input) => cognito.send(new ListUserPoolClientsCommand(input)),
 *   describeUserPoolClient: (input) => cognito.send(new DescribeUserPoolClientCommand(input)),
 * });
 */
export function cognitoPoolInspector(calls: CognitoClientCalls): PoolInspector {
  return {
    async appClients(userPoolId) {
      const found: AppClientWriteAttributes[] = [];
      let nextToken: string | undefined;
      do {
        const page = await calls.listUserPoolClients({
          UserPoolId: userPoolId,
          MaxResults: 60,
          ...(nextToken ? { NextToken: nextToken } : {}),
        });
        for (const { ClientId } of page.UserPoolClients ?? []) {
          if (!ClientId) continue;
          const { UserPoolClient } = await calls.describeUserPoolClient({ UserPoolId: userPoolId, ClientId });
          found.push({ clientId: ClientId, writeAttributes: UserPoolClient?.WriteAttributes });
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return found;
    },
  };
}

/** What the inspection proved: the id claim can be trusted, and whether `email_verified` can. */
interface PoolTrust {
  emailVerifiedTrusted: boolean;
}

/** Cognito treats an app client without WriteAttributes as allowing every writable attribute. */
function writes(client: AppClientWriteAttributes, attribute: string): boolean {
  return client.writeAttributes === undefined || client.writeAttributes.includes(attribute);
}

async function inspectPool(userPoolId: string, inspector: PoolInspector): Promise<PoolTrust> {
  let clients: readonly AppClientWriteAttributes[];
  try {
    clients = await inspector.appClients(userPoolId);
  } catch (error) {
    throw new GuardError(
      "IDENTITY_UNTRUSTED",
      `Could not read the app clients of ${userPoolId} to prove users cannot write their id; grant cognito-idp:ListUserPoolClients and cognito-idp:DescribeUserPoolClient, or use the resolver identity source`,
      { cause: error },
    );
  }
  if (clients.length === 0) {
    throw new GuardError(
      "IDENTITY_UNTRUSTED",
      `The pool ${userPoolId} lists no app client; cannot prove anything`,
    );
  }
  for (const client of clients) {
    const open = PROTECTED_ID_ATTRIBUTES.filter((attribute) => writes(client, attribute));
    if (open.length > 0) {
      throw new GuardError(
        "IDENTITY_UNTRUSTED",
        `App client ${client.clientId} of ${userPoolId} lets users write ${open.join(" and ")}, so a user could choose their %%user.id. Set the client's WriteAttributes to a list without them (realm-to-cognito doctor checks this), or use the resolver identity source`,
      );
    }
  }
  return { emailVerifiedTrusted: !clients.some((client) => writes(client, "email_verified")) };
}

const claimsSchema = z.looseObject({
  sub: z.string().optional(),
  email: z.string().optional(),
  email_verified: z.union([z.boolean(), z.string()]).optional(),
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

function isTrustedSource(source: unknown): source is RealmUserIdSource {
  if (typeof source !== "object" || source === null) return false;
  const { kind, inspector, resolve } = source as Record<string, unknown>;
  if (kind === "resolver") return typeof resolve === "function";
  return (
    kind === "token-claim" &&
    typeof inspector === "object" &&
    inspector !== null &&
    typeof (inspector as PoolInspector).appClients === "function"
  );
}

/** A configuration that names no trusted identity source is refused before any request. */
function checkSource(options: IdentityOptions, tokenUse: "id" | "access" | "either"): void {
  if (!isTrustedSource(options.realmUserId)) {
    throw new GuardError(
      "IDENTITY_UNTRUSTED",
      'Say where %%user.id comes from: realmUserId: { kind: "token-claim", inspector } (the pool\'s app clients cannot write custom:realm_user_id/custom:mongo_id) or { kind: "resolver", resolve } (a server-side mapping keyed by sub)',
    );
  }
  if (tokenUse !== "id" && options.realmUserId.kind !== "resolver") {
    throw new GuardError(
      "IDENTITY_UNTRUSTED",
      'Access tokens carry no custom:realm_user_id: use realmUserId: { kind: "resolver", resolve }, or verify ID tokens',
    );
  }
}

/** Runs `establish` until it succeeds once; a failure is not kept, so the next call tries again. */
function onceSucceeded<T>(establish: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= establish().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * Builds the verifier once (module scope in a Lambda) so the JWKS is fetched once and cached, and the
 * pool is inspected once.
 * @example
 * const identity = createIdentityVerifier({ userPoolId, clientId, realmUserId: { kind: "token-claim", inspector } });
 * await identity.ready(); // cold start: refuses to start on a pool whose clients can write the id
 * const { user } = await identity.verify(bearerToken(event.headers.authorization));
 */
export function createIdentityVerifier(options: IdentityOptions): IdentityVerifier {
  const tokenUse = options.tokenUse ?? "id";
  checkSource(options, tokenUse);
  const expected = tokenUse === "either" ? null : tokenUse;
  const verify = options.issuer
    ? emulatorVerifier(options, options.issuer, expected)
    : productionVerifier(options, expected);
  const source = options.realmUserId;
  const trust = onceSucceeded<PoolTrust>(async () =>
    source.kind === "token-claim"
      ? inspectPool(options.userPoolId, source.inspector)
      : // The resolver ignores user-writable attributes; the email needs the pool's proof, which it does not have.
        { emailVerifiedTrusted: false },
  );
  return {
    ready: async () => {
      await trust();
    },
    async verify(token) {
      const poolTrust = await trust();
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
      return identityFrom(parsed.data, options, poolTrust);
    },
  };
}

async function realmIdFor(
  claims: z.infer<typeof claimsSchema>,
  source: RealmUserIdSource,
): Promise<string | undefined> {
  if (source.kind === "token-claim") return claims[REALM_USER_ID_CLAIM];
  if (!claims.sub) return undefined;
  let resolved: unknown;
  try {
    resolved = await source.resolve(claims.sub, claims);
  } catch (error) {
    throw new GuardError("USER_ID_MISSING", "The Realm user id could not be looked up; try again", {
      cause: error,
    });
  }
  if (resolved === undefined || resolved === null || resolved === "") return undefined;
  if (typeof resolved !== "string")
    throw new GuardError("USER_ID_MISSING", "The Realm id resolver returned something other than a string");
  return resolved;
}

/** The id of the token's user: the trusted Realm id, else `cognito:<sub>` (or a refusal). */
async function userIdFor(claims: z.infer<typeof claimsSchema>, options: IdentityOptions): Promise<string> {
  const realmId = await realmIdFor(claims, options.realmUserId);
  if (realmId !== undefined) {
    if (realmId.startsWith(COGNITO_ONLY_ID_PREFIX))
      throw new GuardError(
        "USER_ID_MISSING",
        `A Realm user id may not start with "${COGNITO_ONLY_ID_PREFIX}"`,
      );
    return realmId;
  }
  if ((options.whenNoRealmUserId ?? "sub") === "sub" && claims.sub)
    return `${COGNITO_ONLY_ID_PREFIX}${claims.sub}`;
  throw new GuardError(
    "USER_ID_MISSING",
    "The token does not say which Realm user this is; send the ID token",
  );
}

/** The email only when verified: Cognito applies an email change at once, unverified. */
function verifiedEmail(claims: z.infer<typeof claimsSchema>, trust: PoolTrust): string | undefined {
  const verified = claims.email_verified === true || claims.email_verified === "true";
  return verified && trust.emailVerifiedTrusted ? claims.email : undefined;
}

async function identityFrom(
  claims: z.infer<typeof claimsSchema>,
  options: IdentityOptions,
  trust: PoolTrust,
): Promise<VerifiedIdentity> {
  const id = await userIdFor(claims, options);
  const groups = claims["cognito:groups"] ?? [];
  const data: Record<string, unknown> = { groups };
  const email = verifiedEmail(claims, trust);
  if (email) data.email = email;
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
    email,
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
