import { AuthClient } from "@realm-to-cognito/realm";
import type { TriggerConfig } from "./config.js";

/** The Realm client every handler uses; built once per container so warm calls reuse the location. */
export function buildRealmClient(config: TriggerConfig): AuthClient {
  return new AuthClient({
    appId: config.realm.appId,
    ...(config.realm.baseUrl ? { baseUrl: config.realm.baseUrl } : {}),
    skipLocation: config.realm.skipLocation,
    timeoutMs: config.realm.timeoutMs,
  });
}
