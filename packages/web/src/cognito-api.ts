/** Tokens from a successful Cognito sign-in. */
export interface CognitoTokens {
  readonly idToken: string;
  readonly accessToken: string;
  /** Absent when the tokens came from a refresh. */
  readonly refreshToken?: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** What InitiateAuth answered: tokens, or a challenge this library does not answer (MFA, new password). */
export type CognitoSignInAnswer =
  | { readonly kind: "tokens"; readonly tokens: CognitoTokens }
  | { readonly kind: "challenge"; readonly challenge: string };

export interface CodeDelivery {
  /** Masked, as Cognito gives it, e.g. `a***@e***.com`. */
  readonly destination?: string;
  readonly medium?: string;
}

/**
 * The unauthenticated Cognito user-pool operations the library needs. Two implementations: over fetch
 * (`createFetchCognitoApi`, the default, small) and over the AWS SDK v3 (`createSdkCognitoApi`, subpath
 * `@realm-to-cognito/web/cognito-sdk`). Both throw only CognitoRefusedError or CognitoUnavailableError.
 */
export interface CognitoAuthApi {
  /** InitiateAuth with USER_PASSWORD_AUTH: the flow that fires the User Migration trigger. */
  signInWithPassword(username: string, password: string): Promise<CognitoSignInAnswer>;
  refresh(refreshToken: string): Promise<CognitoTokens>;
  signUp(
    username: string,
    password: string,
    attributes: Readonly<Record<string, string>>,
  ): Promise<{ readonly confirmed: boolean; readonly delivery: CodeDelivery }>;
  confirmSignUp(username: string, code: string): Promise<void>;
  forgotPassword(username: string): Promise<CodeDelivery>;
  confirmForgotPassword(username: string, code: string, newPassword: string): Promise<void>;
  /** Revokes a refresh token and the access tokens issued from it. */
  revokeToken(refreshToken: string): Promise<void>;
}

/** Where the user pool is and which app client signs in; the client must allow USER_PASSWORD_AUTH. */
export interface CognitoConfig {
  readonly region: string;
  readonly clientId: string;
  /** Default `https://cognito-idp.<region>.amazonaws.com/`; set it for cognito-local. */
  readonly endpoint?: string;
  /** Deadline of each call in milliseconds; default 10,000. */
  readonly timeoutMs?: number;
}

export function cognitoEndpoint(config: CognitoConfig): string {
  return config.endpoint ?? `https://cognito-idp.${config.region}.amazonaws.com/`;
}

/** Attributes as `[{Name, Value}]`, the wire shape of SignUp. */
export function attributeList(
  attributes: Readonly<Record<string, string>>,
): { Name: string; Value: string }[] {
  return Object.entries(attributes).map(([Name, Value]) => ({ Name, Value }));
}
