import {
  attributeList,
  type CodeDelivery,
  type CognitoAuthApi,
  type CognitoConfig,
  type CognitoSignInAnswer,
  type CognitoTokens,
  cognitoEndpoint,
} from "./cognito-api.js";
import { CognitoRefusedError, CognitoUnavailableError } from "./errors.js";
import { isRecord, stringField } from "./guards.js";

type FetchFunction = typeof fetch;

/**
 * Cognito's user-pool API spoken directly over fetch: `POST /` with `X-Amz-Target:
 * AWSCognitoIdentityProviderService.<Op>` and an `application/x-amz-json-1.1` body. The operations used
 * here are unauthenticated (no SigV4), so no AWS SDK is needed in the browser.
 * @example
 * const cognito = createFetchCognitoApi({ region: "eu-west-1", clientId: "1example23456789" });
 * const answer = await cognito.signInWithPassword("ada@example.com", password);
 */
export function createFetchCognitoApi(
  config: CognitoConfig,
  fetchFn: FetchFunction = (input, init) => globalThis.fetch(input, init),
): CognitoAuthApi {
  const endpoint = cognitoEndpoint(config);
  const timeoutMs = config.timeoutMs ?? 10_000;
  const { clientId } = config;

  async function call(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const deadline = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetchFn(endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}`,
        },
        body: JSON.stringify(body),
        signal: deadline,
      });
      text = await response.text();
    } catch (error) {
      const detail = deadline.aborted ? `no answer within ${timeoutMs} ms` : "network error";
      throw new CognitoUnavailableError(operation, detail, { cause: error });
    }
    let parsed: unknown = {};
    try {
      if (text !== "") parsed = JSON.parse(text);
    } catch {
      throw new CognitoUnavailableError(operation, `HTTP ${response.status} with a body that is not JSON`);
    }
    if (response.ok) return isRecord(parsed) ? parsed : {};
    const exception = exceptionName(
      response.headers.get("x-amzn-errortype") ?? stringField(parsed, "__type"),
    );
    if (response.status >= 500 || exception === "") {
      throw new CognitoUnavailableError(operation, `HTTP ${response.status} ${exception}`.trim());
    }
    const message = stringField(parsed, "message") || stringField(parsed, "Message");
    throw new CognitoRefusedError(operation, exception, response.status, message);
  }

  return {
    async signInWithPassword(username, password): Promise<CognitoSignInAnswer> {
      const answer = await call("InitiateAuth", {
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      });
      return readSignInAnswer("InitiateAuth", answer);
    },
    async refresh(refreshToken) {
      const answer = await call("InitiateAuth", {
        AuthFlow: "REFRESH_TOKEN_AUTH",
        ClientId: clientId,
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      });
      const signedIn = readSignInAnswer("InitiateAuth", answer);
      if (signedIn.kind !== "tokens")
        throw new CognitoUnavailableError("InitiateAuth", "refresh answered a challenge");
      return signedIn.tokens;
    },
    async signUp(username, password, attributes) {
      const answer = await call("SignUp", {
        ClientId: clientId,
        Username: username,
        Password: password,
        UserAttributes: attributeList(attributes),
      });
      return { confirmed: answer.UserConfirmed === true, delivery: readDelivery(answer.CodeDeliveryDetails) };
    },
    async confirmSignUp(username, code) {
      await call("ConfirmSignUp", { ClientId: clientId, Username: username, ConfirmationCode: code });
    },
    async forgotPassword(username) {
      const answer = await call("ForgotPassword", { ClientId: clientId, Username: username });
      return readDelivery(answer.CodeDeliveryDetails);
    },
    async confirmForgotPassword(username, code, newPassword) {
      await call("ConfirmForgotPassword", {
        ClientId: clientId,
        Username: username,
        ConfirmationCode: code,
        Password: newPassword,
      });
    },
    async revokeToken(refreshToken) {
      await call("RevokeToken", { ClientId: clientId, Token: refreshToken });
    },
  };
}

/** `com.amazonaws...#NotAuthorizedException:http://...` and `NotAuthorizedException` both name one exception. */
export function exceptionName(raw: string): string {
  const afterHash = raw.slice(raw.lastIndexOf("#") + 1);
  return afterHash.split(":")[0]?.trim() ?? "";
}

function readSignInAnswer(operation: string, answer: Record<string, unknown>): CognitoSignInAnswer {
  const result = answer.AuthenticationResult;
  if (isRecord(result)) {
    const idToken = stringField(result, "IdToken");
    const accessToken = stringField(result, "AccessToken");
    if (idToken === "" || accessToken === "") throw new CognitoUnavailableError(operation, "tokens missing");
    const refreshToken = stringField(result, "RefreshToken");
    const expiresIn = typeof result.ExpiresIn === "number" ? result.ExpiresIn : 3600;
    const tokens: CognitoTokens = {
      idToken,
      accessToken,
      expiresAt: Date.now() + expiresIn * 1000,
      ...(refreshToken ? { refreshToken } : {}),
    };
    return { kind: "tokens", tokens };
  }
  const challenge = stringField(answer, "ChallengeName");
  if (challenge !== "") return { kind: "challenge", challenge };
  throw new CognitoUnavailableError(operation, "neither tokens nor a challenge");
}

function readDelivery(details: unknown): CodeDelivery {
  const destination = stringField(details, "Destination");
  const medium = stringField(details, "DeliveryMedium");
  return { ...(destination ? { destination } : {}), ...(medium ? { medium } : {}) };
}
