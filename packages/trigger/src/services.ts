import { AdminClient, AuthClient } from "@realm-to-cognito/realm";
import type { TriggerConfig } from "./config.js";
import { AdminApiDirectory, SnapshotDirectory, type UserDirectory } from "./directory.js";
import type { Logger } from "./log.js";
import { type EndpointLimits, RateLimiter } from "./rate-limit.js";
import { readPrivateKeySecret } from "./secrets.js";

/** The Realm client every handler uses; built once per container so warm calls reuse the location. */
export function buildRealmClient(config: TriggerConfig): AuthClient {
  return new AuthClient({
    appId: config.realm.appId,
    ...(config.realm.baseUrl ? { baseUrl: config.realm.baseUrl } : {}),
    skipLocation: config.realm.skipLocation,
    timeoutMs: config.realm.timeoutMs,
  });
}

/**
 * The ForgotPassword directory the configuration names, or undefined for `none`. `env` gives the
 * session token the Secrets Manager extension asks for, when the Admin API key lives there.
 */
export function buildDirectory(
  config: TriggerConfig,
  log: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): UserDirectory | undefined {
  const directory = config.directory;
  switch (directory.kind) {
    case "none":
      return undefined;
    case "snapshot":
      return new SnapshotDirectory(directory.file, ({ users, badLines }) =>
        log.info(
          { users, badLines: badLines.slice(0, 20), badLineCount: badLines.length },
          "snapshot loaded",
        ),
      );
    case "admin-api": {
      const { admin } = directory;
      const clientWith = (privateKey: string) =>
        new AdminClient({
          ...(admin.baseUrl ? { baseUrl: admin.baseUrl } : {}),
          groupId: admin.groupId,
          appObjectId: admin.appObjectId,
          publicKey: admin.publicKey,
          privateKey,
          timeoutMs: config.realm.timeoutMs,
          readAttempts: 1, // the trigger's deadline leaves no room for retries
        });
      const key = admin.privateKey;
      return new AdminApiDirectory(
        key.from === "environment"
          ? clientWith(key.value)
          : async (signal) =>
              clientWith(await readPrivateKeySecret(key, { env, ...(signal ? { signal } : {}) })),
      );
    }
  }
}

/** Per-container limits of the migration endpoints: 5 a burst then 5 a minute per email, 30/30 per address. */
export function buildRateLimits(): EndpointLimits {
  return {
    perEmail: new RateLimiter({ capacity: 5, perMinute: 5 }),
    perAddress: new RateLimiter({ capacity: 30, perMinute: 30 }),
  };
}
