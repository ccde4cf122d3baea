import { RealmProtocolError } from "./errors.js";
import { isRecord } from "./http.js";

/** The claims of a Realm access token that the migration reads. */
export interface RealmAccessTokenClaims {
  readonly sub: string;
  readonly exp: number;
  readonly iat: number;
  /** The custom user data document, embedded by Realm at login; `{}` when the app has none. */
  readonly userData: Readonly<Record<string, unknown>>;
}

/**
 * Reads an access token's payload without verifying its signature: the token has just come from Realm
 * over TLS in answer to our own login, which is what makes it trustworthy, not its signature.
 */
export function decodeAccessToken(token: string): RealmAccessTokenClaims {
  const request = "decode access token";
  const payload = token.split(".")[1];
  if (payload === undefined) throw new RealmProtocolError(request, "not a JWT");
  let claims: unknown;
  try {
    claims = JSON.parse(base64UrlDecode(payload));
  } catch {
    throw new RealmProtocolError(request, "payload is not JSON");
  }
  if (!isRecord(claims) || typeof claims.sub !== "string")
    throw new RealmProtocolError(request, "no sub claim");
  if (typeof claims.exp !== "number" || typeof claims.iat !== "number") {
    throw new RealmProtocolError(request, "exp and iat must be numbers");
  }
  return {
    sub: claims.sub,
    exp: claims.exp,
    iat: claims.iat,
    userData: isRecord(claims.user_data) ? claims.user_data : {},
  };
}

function base64UrlDecode(text: string): string {
  const base64 = text
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(text.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
