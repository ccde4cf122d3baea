import { MigrationApiError } from "./errors.js";
import { stringField } from "./guards.js";

type FetchFunction = typeof fetch;

/** What `/resync-password` answers to a right password; every failure is one identical 401 "refused". */
export type ResyncStatus = "resynced" | "unchanged" | "not-migrated" | "refused";

/** The two endpoints of the migration backend (the trigger package's HTTP handlers). */
export interface MigrationApi {
  /**
   * Asks the backend for a Realm reset: it makes Realm's reset request itself and makes the migrated
   * Cognito user's password unusable (kept, signed out, healed by the next sign-in's re-sync).
   */
  passwordResetRequested(email: string): Promise<void>;
  /** Asks the backend to check the password with Realm and set it in Cognito. */
  resyncPassword(email: string, password: string): Promise<ResyncStatus>;
}

export function createMigrationApi(
  options: { baseUrl: string; timeoutMs?: number },
  fetchFn: FetchFunction = (input, init) => globalThis.fetch(input, init),
): MigrationApi {
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function post(
    route: string,
    body: Record<string, string>,
  ): Promise<{ status: number; body: unknown }> {
    const url = `${options.baseUrl.replace(/\/+$/, "")}${route}`;
    try {
      const response = await fetchFn(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text === "" ? null : JSON.parse(text);
      } catch {
        // a non-JSON body is judged by its status alone
      }
      return { status: response.status, body: parsed };
    } catch (error) {
      throw new MigrationApiError(route, "no answer", { cause: error });
    }
  }

  return {
    async passwordResetRequested(email) {
      const answer = await post("/password-reset-requested", { email });
      if (answer.status !== 202 && answer.status !== 200) {
        throw new MigrationApiError("/password-reset-requested", `HTTP ${answer.status}`, {
          status: answer.status,
        });
      }
    },
    async resyncPassword(email, password) {
      const answer = await post("/resync-password", { email, password });
      if (answer.status === 401) return "refused";
      const status = stringField(answer.body, "status");
      if (
        answer.status === 200 &&
        (status === "resynced" || status === "unchanged" || status === "not-migrated")
      ) {
        return status;
      }
      throw new MigrationApiError("/resync-password", `HTTP ${answer.status}`, { status: answer.status });
    },
  };
}
