import {
  CognitoIdentityProviderClient,
  CognitoIdentityProviderServiceException,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  RevokeTokenCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  attributeList,
  type CodeDelivery,
  type CognitoAuthApi,
  type CognitoConfig,
  type CognitoSignInAnswer,
  cognitoEndpoint,
} from "./cognito-api.js";
import { CognitoRefusedError, CognitoUnavailableError } from "./errors.js";

/**
 * The same operations as `createFetchCognitoApi`, through `@aws-sdk/client-cognito-identity-provider`.
 * Kept for teams that already ship the SDK; the default is the fetch one, which is far smaller
 * (see bench/web-bundle.ts).
 * @example
 * const auth = createMigratingAuth(config, { cognito: createSdkCognitoApi(config.cognito) });
 */
export function createSdkCognitoApi(
  config: CognitoConfig,
  client?: CognitoIdentityProviderClient,
): CognitoAuthApi {
  const sdk =
    client ??
    new CognitoIdentityProviderClient({
      region: config.region,
      endpoint: cognitoEndpoint(config),
      // These operations are unauthenticated; credentials only keep the SDK from looking for a provider.
      credentials: { accessKeyId: "unauthenticated", secretAccessKey: "unauthenticated" },
    });
  const timeoutMs = config.timeoutMs ?? 10_000;
  const { clientId } = config;

  async function send<Output>(
    operation: string,
    run: (abortSignal: AbortSignal) => Promise<Output>,
  ): Promise<Output> {
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      return await run(deadline);
    } catch (error) {
      if (error instanceof CognitoIdentityProviderServiceException && error.$fault === "client") {
        const status = error.$metadata.httpStatusCode ?? 400;
        throw new CognitoRefusedError(operation, error.name, status, error.message);
      }
      const detail = deadline.aborted ? `no answer within ${timeoutMs} ms` : "network or server error";
      throw new CognitoUnavailableError(operation, detail, { cause: error });
    }
  }

  return {
    async signInWithPassword(username, password) {
      const answer = await send("InitiateAuth", (abortSignal) =>
        sdk.send(
          new InitiateAuthCommand({
            AuthFlow: "USER_PASSWORD_AUTH",
            ClientId: clientId,
            AuthParameters: { USERNAME: username, PASSWORD: password },
          }),
          { abortSignal },
        ),
      );
      return readSignInAnswer(answer);
    },
    async refresh(refreshToken) {
      const answer = await send("InitiateAuth", (abortSignal) =>
        sdk.send(
          new InitiateAuthCommand({
            AuthFlow: "REFRESH_TOKEN_AUTH",
            ClientId: clientId,
            AuthParameters: { REFRESH_TOKEN: refreshToken },
          }),
          { abortSignal },
        ),
      );
      const signedIn = readSignInAnswer(answer);
      if (signedIn.kind !== "tokens")
        throw new CognitoUnavailableError("InitiateAuth", "refresh answered a challenge");
      return signedIn.tokens;
    },
    async signUp(username, password, attributes) {
      const answer = await send("SignUp", (abortSignal) =>
        sdk.send(
          new SignUpCommand({
            ClientId: clientId,
            Username: username,
            Password: password,
            UserAttributes: attributeList(attributes),
          }),
          { abortSignal },
        ),
      );
      return { confirmed: answer.UserConfirmed === true, delivery: readDelivery(answer.CodeDeliveryDetails) };
    },
    async confirmSignUp(username, code) {
      await send("ConfirmSignUp", (abortSignal) =>
        sdk.send(
          new ConfirmSignUpCommand({ ClientId: clientId, Username: username, ConfirmationCode: code }),
          {
            abortSignal,
          },
        ),
      );
    },
    async forgotPassword(username) {
      const answer = await send("ForgotPassword", (abortSignal) =>
        sdk.send(new ForgotPasswordCommand({ ClientId: clientId, Username: username }), { abortSignal }),
      );
      return readDelivery(answer.CodeDeliveryDetails);
    },
    async confirmForgotPassword(username, code, newPassword) {
      await send("ConfirmForgotPassword", (abortSignal) =>
        sdk.send(
          new ConfirmForgotPasswordCommand({
            ClientId: clientId,
            Username: username,
            ConfirmationCode: code,
            Password: newPassword,
          }),
          { abortSignal },
        ),
      );
    },
    async revokeToken(refreshToken) {
      await send("RevokeToken", (abortSignal) =>
        sdk.send(new RevokeTokenCommand({ ClientId: clientId, Token: refreshToken }), { abortSignal }),
      );
    },
  };
}

function readSignInAnswer(answer: InitiateAuthCommandOutput): CognitoSignInAnswer {
  const result = answer.AuthenticationResult;
  if (result?.IdToken && result.AccessToken) {
    return {
      kind: "tokens",
      tokens: {
        idToken: result.IdToken,
        accessToken: result.AccessToken,
        expiresAt: Date.now() + (result.ExpiresIn ?? 3600) * 1000,
        ...(result.RefreshToken ? { refreshToken: result.RefreshToken } : {}),
      },
    };
  }
  if (answer.ChallengeName) return { kind: "challenge", challenge: answer.ChallengeName };
  throw new CognitoUnavailableError("InitiateAuth", "neither tokens nor a challenge");
}

function readDelivery(details: { Destination?: string; DeliveryMedium?: string } | undefined): CodeDelivery {
  return {
    ...(details?.Destination ? { destination: details.Destination } : {}),
    ...(details?.DeliveryMedium ? { medium: details.DeliveryMedium } : {}),
  };
}
