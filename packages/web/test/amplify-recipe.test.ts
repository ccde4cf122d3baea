// The Amplify v6 recipe against the sandbox pool that hides user existence. aws-amplify is not a
// dependency of this repository, so its `signIn` is stood in for by one that does what amplify-js v6's
// USER_PASSWORD_AUTH sign-in does on the wire (InitiateAuth) and with the answer: tokens → DONE;
// PasswordResetRequiredException → RESET_PASSWORD and UserNotConfirmedException → CONFIRM_SIGN_UP
// (signInHelpers.ts, getSignInResultFromError); any other exception thrown as an error named after it.
import { CreateUserPoolClientCommand } from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AmplifySignIn, signInWithAmplify } from "../src/amplify.js";
import { CognitoRefusedError, createFetchCognitoApi } from "../src/index.js";
import { freshEmail, startTestWorld, type TestWorld } from "./sandbox.js";

let t: TestWorld;
beforeAll(async () => {
  t = await startTestWorld("cognito-primary", 4);
});
afterAll(() => t?.stop());

function amplifyLikeSignIn(clientId = t.world.clientId): AmplifySignIn {
  const cognito = createFetchCognitoApi({ ...t.config().cognito, clientId });
  return async ({ username, password, options }) => {
    expect(options?.authFlowType).toBe("USER_PASSWORD_AUTH");
    try {
      const answer = await cognito.signInWithPassword(username, password);
      if (answer.kind === "tokens") return { isSignedIn: true, nextStep: { signInStep: "DONE" } };
      return { isSignedIn: false, nextStep: { signInStep: `CONFIRM_SIGN_IN_${answer.challenge}` } };
    } catch (error) {
      const name = error instanceof CognitoRefusedError ? error.exception : "NetworkError";
      if (name === "PasswordResetRequiredException")
        return { isSignedIn: false, nextStep: { signInStep: "RESET_PASSWORD" } };
      if (name === "UserNotConfirmedException")
        return { isSignedIn: false, nextStep: { signInStep: "CONFIRM_SIGN_UP" } };
      throw Object.assign(new Error("Amplify AuthError"), { name });
    }
  };
}

const OFFER = {
  status: "failed",
  reason: "wrongCredentials",
  resetSuggested: true,
  message: "Wrong email or password — if you have not signed in since 1 December 2026, reset your password.",
};

describe("the Amplify v6 recipe", () => {
  it("offers the reset to users of both engines and to a stranger alike on a pool hiding user existence", async () => {
    const adminEngine = freshEmail("amplify-admin");
    const csvEngine = freshEmail("amplify-csv");
    await t.importUser(adminEngine);
    await t.world.importAsCsvJob([{ email: csvEngine }]);
    const signIn = amplifyLikeSignIn();
    for (const email of [adminEngine, csvEngine, freshEmail("amplify-stranger")]) {
      expect(
        await signInWithAmplify(signIn, email, "Old-Realm-Password-1", { switchDate: "1 December 2026" }),
      ).toEqual(OFFER);
    }
    // Amplify's resetPassword / confirmResetPassword are ForgotPassword / ConfirmForgotPassword.
    const cognito = createFetchCognitoApi(t.config().cognito);
    await cognito.forgotPassword(csvEngine);
    await cognito.confirmForgotPassword(csvEngine, await t.cognitoCode(csvEngine), "After-Amplify-7");
    expect(await signInWithAmplify(signIn, csvEngine, "After-Amplify-7")).toEqual({ status: "signedIn" });
  });

  it("keeps RESET_PASSWORD as resetRequired where the client reveals user existence", async () => {
    const { UserPoolClient } = await t.admin.send(
      new CreateUserPoolClientCommand({
        UserPoolId: t.world.userPoolId,
        ClientName: "amplify-legacy",
        ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH"],
        PreventUserExistenceErrors: "LEGACY",
      }),
    );
    const csvEngine = freshEmail("amplify-csv-legacy");
    await t.world.importAsCsvJob([{ email: csvEngine }]);
    const result = await signInWithAmplify(amplifyLikeSignIn(UserPoolClient?.ClientId), csvEngine, "Old-1");
    expect(result).toMatchObject({ status: "resetRequired" });
  });
});
