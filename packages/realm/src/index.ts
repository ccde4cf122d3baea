export {
  AdminClient,
  type AdminClientOptions,
  emailOf,
  type ListUsersQuery,
  type RealmAdminIdentity,
  type RealmAdminUser,
  type RealmPendingUser,
} from "./admin-client.js";
export {
  AuthClient,
  type AuthClientOptions,
  type CallOptions,
  DEFAULT_REALM_BASE_URL,
  type RealmIdentity,
  type RealmLocation,
  type RealmProfile,
  type RealmSession,
} from "./auth-client.js";
export {
  isRealmError,
  type RealmError,
  type RealmErrorCode,
  RealmProtocolError,
  RealmRejectedError,
  RealmTimeoutError,
  RealmUnavailableError,
} from "./errors.js";
export type { FetchFunction } from "./http.js";
export { decodeAccessToken, type RealmAccessTokenClaims } from "./token.js";
