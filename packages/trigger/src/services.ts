import { AdminClient, AuthClient } from "@realm-to-cognito/realm";
import type { TriggerConfig } from "./config.js";
import { AdminApiDirectory, SnapshotDirectory, type UserDirectory } from "./directory.js";
import type { Logger } from "./log.js";
import { type EndpointLimits, RateLimiter } from "./rate-limit.js";

/** The Realm client every handler uses; built once per container so warm calls reuse the location. */
export function buildRealmClient(config: TriggerConfig): AuthClient {
  return new AuthClient({
    appId: config.realm.appId,
    ...(config.realm.baseUrl ? { baseUrl: config.realm.baseUrl } : {}),
    skipLocation: config.realm.skipLocation,
    timeoutMs: config.realm.timeoutMs,
  });
}

/** The ForgotPassword directory the configuration names, or undefined for `none`. */
export function buildDirectory(config: TriggerConfig, log: Logger): UserDirectory | undefined {
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
    case "admin-api":
      return new AdminApiDirectory(
        new AdminClient({
          ...(directory.admin.baseUrl ? { baseUrl: directory.admin.baseUrl } : {}),
          groupId: directory.admin.groupId,
          appObjectId: directory.admin.appObjectId,
          publicKey: directory.admin.publicKey,
          privateKey: directory.admin.privateKey,
          timeoutMs: config.realm.timeoutMs,
          readAttempts: 1, // the trigger's deadline leaves no room for retries
        }),
      );
  }
}

/** Per-container limits of the migration endpoints: 5 a burst then 5 a minute per email, 30/30 per address. */
export function buildRateLimits(): EndpointLimits {
  return {
    perEmail: new RateLimiter({ capacity: 5, perMinute: 5 }),
    perAddress: new RateLimiter({ capacity: 30, perMinute: 30 }),
  };
}
