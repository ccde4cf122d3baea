import type { AuthClient } from "@realm-to-cognito/realm";
import {
  RealmProtocolError,
  RealmRejectedError,
  RealmTimeoutError,
  RealmUnavailableError,
} from "@realm-to-cognito/realm";
import { MigrationRefusedError } from "./errors.js";

/** What a successful Realm login tells us about the user. */
export interface RealmVerdict {
  readonly realmUserId: string;
  /** The `user_data` claim: the app's custom user data document, `{}` when there is none. */
  readonly userData: Readonly<Record<string, unknown>>;
}

/**
 * Logs in to Realm with the user's own credentials within `timeoutMs` for the whole exchange (the
 * location lookup included). Realm only lets confirmed, enabled users log in, so success is the
 * eligibility check. Every failure becomes a MigrationRefusedError carrying the reason.
 */
export async function verifyWithRealm(
  realm: AuthClient,
  email: string,
  password: string,
  timeoutMs: number,
  outer?: AbortSignal,
): Promise<RealmVerdict> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
  try {
    const session = await realm.login(email, password, { signal, timeoutMs });
    const claims = realm.decodeAccessToken(session.accessToken);
    return { realmUserId: session.userId, userData: claims.userData };
  } catch (error) {
    throw refusalFor(error, signal.aborted, timeoutMs);
  }
}

function refusalFor(error: unknown, deadlinePassed: boolean, timeoutMs: number): MigrationRefusedError {
  if (error instanceof RealmTimeoutError || deadlinePassed) {
    return new MigrationRefusedError("realm-timeout", `Realm did not answer within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  if (error instanceof RealmUnavailableError && error.status === 429) {
    // flowerbase limits logins per client address (10 per 15 minutes by default), and every trigger
    // login comes from Lambda's few addresses: the whole migration stalls until the operator raises it.
    return new MigrationRefusedError(
      "realm-throttled",
      "Realm refused the login with HTTP 429: raise the server's login limit per address (flowerbase: AUTH_LOGIN_MAX_ATTEMPTS)",
      { cause: error },
    );
  }
  if (error instanceof RealmRejectedError) {
    const disabled = error.errorCode === "UserDisabled";
    if (error.status === 401 || error.status === 403 || error.status === 400 || error.status === 404) {
      return new MigrationRefusedError(
        disabled ? "user-disabled" : "wrong-credentials",
        `Realm refused the login (${error.errorCode || "no error_code"}, HTTP ${error.status})`,
        { cause: error },
      );
    }
    return new MigrationRefusedError("realm-protocol", error.message, { cause: error });
  }
  if (error instanceof RealmUnavailableError) {
    return new MigrationRefusedError("realm-unavailable", error.message, { cause: error });
  }
  if (error instanceof RealmProtocolError) {
    return new MigrationRefusedError("realm-protocol", error.message, { cause: error });
  }
  return new MigrationRefusedError("realm-unavailable", "the Realm login failed unexpectedly", {
    cause: error,
  });
}
