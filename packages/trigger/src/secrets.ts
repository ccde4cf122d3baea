import { MigrationRefusedError } from "./errors.js";

/** Where the AWS Parameters and Secrets Lambda Extension listens unless told otherwise. */
export const DEFAULT_EXTENSION_PORT = 2773;

export interface SecretSource {
  /** Secrets Manager secret name or ARN. */
  readonly secretId: string;
  readonly extensionPort: number;
}

/**
 * Reads the Realm Admin API private key from Secrets Manager through the AWS Parameters and Secrets
 * Lambda Extension (a layer with a local HTTP endpoint), so the trigger stays free of the AWS SDK.
 * The secret holds the key itself, or JSON with a `privateKey` field (a console key/value secret).
 * Errors say what to fix and never carry the secret's value.
 */
export async function readPrivateKeySecret(
  source: SecretSource,
  options: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly signal?: AbortSignal;
    readonly fetch?: typeof fetch;
  },
): Promise<string> {
  const token = options.env.AWS_SESSION_TOKEN;
  if (!token) throw unreadable("AWS_SESSION_TOKEN is not set (the extension requires it)");
  const url = `http://localhost:${source.extensionPort}/secretsmanager/get?secretId=${encodeURIComponent(source.secretId)}`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { "X-Aws-Parameters-Secrets-Token": token },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw unreadable(
      `the Parameters and Secrets extension did not answer on port ${source.extensionPort} (is its layer added?)`,
      error,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw unreadable(
      `the Parameters and Secrets extension answered HTTP ${response.status} (does the function's role allow secretsmanager:GetSecretValue on it?)`,
    );
  }
  let secretString: unknown;
  try {
    secretString = ((await response.json()) as { SecretString?: unknown }).SecretString;
  } catch (error) {
    throw unreadable("the extension's answer is not JSON", error);
  }
  if (typeof secretString !== "string" || secretString.trim() === "")
    throw unreadable("the secret has no SecretString (a binary secret cannot hold the key)");
  return privateKeyIn(secretString.trim());
}

function privateKeyIn(secret: string): string {
  if (!secret.startsWith("{")) return secret;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw unreadable("the secret starts like JSON but is not valid JSON");
  }
  const key = (parsed as { privateKey?: unknown }).privateKey;
  if (typeof key !== "string" || key.trim() === "")
    throw unreadable('the secret is JSON without a "privateKey" string');
  return key.trim();
}

function unreadable(problem: string, cause?: unknown): MigrationRefusedError {
  return new MigrationRefusedError(
    "directory-unavailable",
    `the Realm Admin API key could not be read from Secrets Manager: ${problem}`,
    cause === undefined ? undefined : { cause },
  );
}
