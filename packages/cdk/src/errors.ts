/** A construct prop that would deploy an unsafe or broken migration; `code` is stable, the message says the fix. */
export class MigrationConfigError extends Error {
  override readonly name = "MigrationConfigError";
  constructor(
    readonly code:
      | "endpoints-required"
      | "wildcard-origin"
      | "self-sign-up-in-phase-1"
      | "directory-file-missing"
      | "bundle-missing",
    message: string,
  ) {
    super(message);
  }
}
