// How Cognito's exceptions become results, including ones cognito-local never raises (policy checks,
// RESET_REQUIRED, challenges): a scripted CognitoAuthApi stands in for Cognito, the facade is real.
import { describe, expect, it } from "vitest";
import type { CognitoAuthApi } from "../src/cognito-api.js";
import { CognitoRefusedError, createMigratingAuth, type MigratingAuthEvent } from "../src/index.js";

function refusing(exception: string): CognitoAuthApi {
  const refuse = async (): Promise<never> => {
    throw new CognitoRefusedError("scripted", exception, 400, "scripted refusal");
  };
  return {
    signInWithPassword: refuse,
    refresh: refuse,
    signUp: refuse,
    confirmSignUp: refuse,
    forgotPassword: refuse,
    confirmForgotPassword: refuse,
    revokeToken: refuse,
  };
}

function cognitoPrimary(cognito: CognitoAuthApi, onEvent?: (event: MigratingAuthEvent) => void) {
  return createMigratingAuth(
    {
      mode: "cognito-primary",
      cognito: { region: "eu-west-1", clientId: "client" },
      ...(onEvent ? { onEvent } : {}),
    },
    { cognito },
  );
}

describe("Cognito's answers as results", () => {
  it("leads a RESET_REQUIRED user into the reset flow without any hint", async () => {
    const events: MigratingAuthEvent[] = [];
    const result = await cognitoPrimary(refusing("PasswordResetRequiredException"), (e) =>
      events.push(e),
    ).signIn("a@example.com", "pw");
    expect(result.status).toBe("resetRequired");
    expect(events).toEqual([{ type: "resetRequired" }]);
  });

  it("reads real Cognito's NotAuthorizedException and cognito-local's InvalidPasswordException alike at sign-in", async () => {
    const real = await cognitoPrimary(refusing("NotAuthorizedException")).signIn("a@example.com", "pw");
    const local = await cognitoPrimary(refusing("InvalidPasswordException")).signIn("a@example.com", "pw");
    expect(real).toEqual(local);
    expect(real).toMatchObject({ status: "failed", reason: "wrongCredentials" });
  });

  it("offers the reset with every refusal a sign-in can get, and only with those", async () => {
    const refusals = [
      "NotAuthorizedException",
      "UserNotFoundException",
      "InvalidPasswordException",
      "UserLambdaValidationException",
    ];
    const answers = await Promise.all(
      refusals.map((exception) => cognitoPrimary(refusing(exception)).signIn("a@example.com", "pw")),
    );
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ status: "failed", reason: "wrongCredentials", resetSuggested: true });
    for (const exception of [
      "TooManyRequestsException",
      "InternalErrorException",
      "UserNotConfirmedException",
    ]) {
      const answer = await cognitoPrimary(refusing(exception)).signIn("a@example.com", "pw");
      expect(answer).not.toHaveProperty("resetSuggested");
    }
  });

  it("never offers the reset in realm-primary, where Realm decides", async () => {
    const auth = createMigratingAuth(
      {
        mode: "realm-primary",
        realm: { appId: "app-abcde", baseUrl: "http://127.0.0.1:9" },
        cognito: { region: "eu-west-1", clientId: "client" },
        migrationApi: { baseUrl: "http://127.0.0.1:9" },
      },
      { cognito: refusing("NotAuthorizedException") },
    );
    expect(await auth.signIn("a@example.com", "pw")).not.toHaveProperty("resetSuggested");
  });

  it("reads InvalidPasswordException as the pool's policy at sign-up and reset", async () => {
    const auth = cognitoPrimary(refusing("InvalidPasswordException"));
    expect(await auth.signUp("a@example.com", "short")).toMatchObject({ reason: "weakPassword" });
    const reset = await auth.confirmPasswordReset({
      email: "a@example.com",
      code: "1",
      newPassword: "short",
    });
    expect(reset).toMatchObject({ reason: "weakPassword" });
  });

  it("tells a user without a verified email that they cannot reset by email", async () => {
    const result = await cognitoPrimary(refusing("InvalidParameterException")).requestPasswordReset(
      "a@example.com",
    );
    expect(result).toMatchObject({ status: "failed", reason: "cannotReset" });
  });

  it("never shows Cognito's own text to the user", async () => {
    const result = await cognitoPrimary(refusing("SomethingNewException")).signIn("a@example.com", "pw");
    expect(result).toEqual({
      status: "failed",
      reason: "unknown",
      message: "Something went wrong. Please try again.",
    });
  });

  it("keeps working when the telemetry hook throws", async () => {
    const auth = cognitoPrimary(refusing("PasswordResetRequiredException"), () => {
      throw new Error("telemetry down");
    });
    expect((await auth.signIn("a@example.com", "pw")).status).toBe("resetRequired");
  });

  it("refuses to start without what the mode needs", () => {
    expect(() =>
      createMigratingAuth({ mode: "realm-primary", cognito: { region: "eu-west-1", clientId: "client" } }),
    ).toThrow(TypeError);
  });
});

describe("sessions", () => {
  const tokens = (accessToken: string, expiresAt: number) => ({
    idToken: "id",
    accessToken,
    refreshToken: "refresh",
    expiresAt,
  });

  function scripted(refresh: CognitoAuthApi["refresh"]): CognitoAuthApi {
    return {
      ...refusing("NotUsedException"),
      signInWithPassword: async () => ({ kind: "tokens", tokens: tokens("first", Date.now() + 1000) }),
      refresh,
    };
  }

  it("refreshes Cognito tokens that are about to expire", async () => {
    const auth = cognitoPrimary(scripted(async () => tokens("second", Date.now() + 3_600_000)));
    await auth.signIn("a@example.com", "pw");
    const session = await auth.currentSession();
    expect(session?.cognito?.accessToken).toBe("second");
    expect(session?.cognito?.refreshToken).toBe("refresh");
  });

  it("ends a Cognito session whose refresh is refused", async () => {
    const auth = cognitoPrimary(
      scripted(async () => {
        throw new CognitoRefusedError("InitiateAuth", "NotAuthorizedException", 400, "revoked");
      }),
    );
    await auth.signIn("a@example.com", "pw");
    expect(await auth.currentSession()).toBeUndefined();
  });
});
