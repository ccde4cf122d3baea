// The trigger's forgot-password directory; the endpoints' bundles never import this file.
import { AdminClient } from "@realm-to-cognito/realm";
import type { TriggerConfig } from "./config.js";
import { AdminApiDirectory, SnapshotDirectory, type UserDirectory } from "./directory.js";
import type { Logger } from "./log.js";
import { readPrivateKeySecret } from "./secrets.js";

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

export { buildRateLimits } from "./rate-limit.js";
export { buildRealmClient } from "./realm-client.js";
