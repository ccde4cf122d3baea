/**
 * The event Cognito sends the User Migration trigger when someone it does not know asks for a password
 * reset (`UserMigration_ForgotPassword`, no password). cognito-local never sends it, so the sandbox's
 * callers hand this to the Lambda bridge as Cognito would.
 */
export function forgotPasswordMigrationEvent(options: {
  userPoolId: string;
  clientId: string;
  email: string;
  region?: string;
}): Record<string, unknown> {
  return {
    version: "1",
    triggerSource: "UserMigration_ForgotPassword",
    region: options.region ?? "us-east-1",
    userPoolId: options.userPoolId,
    userName: options.email,
    callerContext: { awsSdkVersion: "3", clientId: options.clientId },
    request: {},
    response: {},
  };
}
