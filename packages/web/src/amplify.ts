// The Amplify v6 recipe's sign-in, as code: for apps that keep `aws-amplify/auth` and want the same
// answers as createMigratingAuth in cognito-primary. It takes Amplify's own `signIn`, so this package
// does not depend on aws-amplify.
import {
  CONFIRMATION_REQUIRED_MESSAGE,
  type Failure,
  failure,
  RESET_REQUIRED_MESSAGE,
  resetSuggestedMessage,
} from "./results.js";

/** The part of Amplify v6's `signIn` (from `aws-amplify/auth`) the recipe calls; Amplify's function fits. */
export type AmplifySignIn = (input: {
  username: string;
  password: string;
  options?: { authFlowType?: "USER_PASSWORD_AUTH" };
}) => Promise<{ isSignedIn: boolean; nextStep: { signInStep: string } }>;

export type AmplifySignInResult =
  | { readonly status: "signedIn" }
  /** Amplify's `RESET_PASSWORD` step: Cognito said PasswordResetRequiredException (a pool revealing user existence). */
  | { readonly status: "resetRequired"; readonly message: string }
  | { readonly status: "confirmationRequired"; readonly message: string }
  /** Any other step (MFA, a new password): continue with Amplify's `confirmSignIn`. */
  | { readonly status: "nextStep"; readonly signInStep: string }
  | Failure;

// Amplify v6 throws an AuthError whose `name` is Cognito's exception, except PasswordResetRequiredException
// and UserNotConfirmedException, which it returns as the RESET_PASSWORD and CONFIRM_SIGN_UP steps
// (amplify-js packages/auth/src/providers/cognito/utils/signInHelpers.ts, getSignInResultFromError).
const REFUSED = new Set(["NotAuthorizedException", "UserNotFoundException", "InvalidPasswordException"]);
const THROTTLED = new Set([
  "TooManyRequestsException",
  "LimitExceededException",
  "TooManyFailedAttemptsException",
]);

/**
 * Signs in with Amplify's `signIn` over USER_PASSWORD_AUTH (the flow the User Migration trigger needs)
 * and answers as `createMigratingAuth` does in cognito-primary: a refused sign-in offers the reset
 * (`resetSuggested: true`) with one message for strangers, typos and imported users alike.
 * @example
 * import { signIn } from "aws-amplify/auth";
 * const result = await signInWithAmplify(signIn, email, password, { switchDate: "1 December 2026" });
 * if (result.status === "failed" && result.resetSuggested) offerReset(email, result.message);
 */
export async function signInWithAmplify(
  signIn: AmplifySignIn,
  email: string,
  password: string,
  options: { switchDate?: string | Date } = {},
): Promise<AmplifySignInResult> {
  const username = email.trim();
  if (username === "" || password === "") return failure("invalidInput");
  let output: Awaited<ReturnType<AmplifySignIn>>;
  try {
    output = await signIn({ username, password, options: { authFlowType: "USER_PASSWORD_AUTH" } });
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (REFUSED.has(name)) {
      return {
        ...failure("wrongCredentials"),
        message: resetSuggestedMessage(options.switchDate),
        resetSuggested: true,
      };
    }
    if (THROTTLED.has(name)) return failure("tooManyAttempts");
    return failure(name === "NetworkError" ? "unavailable" : "unknown");
  }
  const step = output.nextStep.signInStep;
  if (output.isSignedIn || step === "DONE") return { status: "signedIn" };
  if (step === "RESET_PASSWORD") return { status: "resetRequired", message: RESET_REQUIRED_MESSAGE };
  if (step === "CONFIRM_SIGN_UP")
    return { status: "confirmationRequired", message: CONFIRMATION_REQUIRED_MESSAGE };
  return { status: "nextStep", signInStep: step };
}
