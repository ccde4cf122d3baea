import { createSign, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A key set served over HTTP on port 0, and ID tokens signed with it as Cognito would issue them. */
export async function startTokenIssuer(poolId = "us-east-1_TestPool", clientId = "test-client") {
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...keys.publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" };
  const server = createServer((request, response) => {
    if (request.url === `/${poolId}/.well-known/jwks.json`) {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${poolId}`;
  const idToken = (realmUserId: string, extra: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      sub: `sub-${realmUserId}`,
      email: `${realmUserId}@example.com`,
      email_verified: true,
      "custom:realm_user_id": realmUserId,
      token_use: "id",
      aud: clientId,
      iss: issuer,
      iat: now,
      exp: now + 600,
      ...extra,
    };
    const body = `${Buffer.from(JSON.stringify({ alg: "RS256", kid: "k1" })).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
    return `${body}.${createSign("RSA-SHA256").update(body).sign(keys.privateKey).toString("base64url")}`;
  };
  return {
    poolId,
    clientId,
    issuer,
    idToken,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
