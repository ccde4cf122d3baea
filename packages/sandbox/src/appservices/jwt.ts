import { createHmac, timingSafeEqual } from "node:crypto";

export type TokenScope = "client" | "admin";

/** Claims the emulator signs; realm-web reads `exp`, `iat`, `sub`, `user_data`, `baas_device_id`. */
export interface TokenClaims {
  readonly sub: string;
  readonly typ: "access" | "refresh";
  readonly iat: number;
  readonly exp: number;
  readonly baas_device_id: string;
  readonly baas_domain_id: string;
  /** Which API the token belongs to; a client token never opens the admin API and back. */
  readonly baas_scope: TokenScope;
  /** Refresh tokens: the session they stand for. */
  readonly baas_id?: string;
  readonly user_data?: Record<string, unknown>;
  readonly [claim: string]: unknown;
}

const HEADER = base64Url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

/** Signs HS256 with the emulator's secret (clients never check signatures; the emulator does). */
export function signToken(claims: TokenClaims, secret: string): string {
  const body = `${HEADER}.${base64Url(JSON.stringify(claims))}`;
  return `${body}.${mac(body, secret)}`;
}

/** The claims of a token this emulator signed, or undefined when it is not one (any reason). */
export function readToken(token: string, secret: string): TokenClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(mac(`${header}.${payload}`, secret));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (typeof claims !== "object" || claims === null) return undefined;
    const record = claims as Record<string, unknown>;
    if (typeof record.sub !== "string" || typeof record.exp !== "number") return undefined;
    if (record.typ !== "access" && record.typ !== "refresh") return undefined;
    return claims as TokenClaims;
  } catch {
    return undefined;
  }
}

function mac(data: string, secret: string): string {
  return createHmac("sha256", secret).update(data).digest("base64url");
}

function base64Url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
