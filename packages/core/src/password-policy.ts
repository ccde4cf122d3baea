/** The pool's password policy, as Cognito describes it (PasswordPolicyType). */
export interface PasswordPolicy {
  readonly minimumLength: number;
  readonly requireLowercase: boolean;
  readonly requireUppercase: boolean;
  readonly requireNumbers: boolean;
  readonly requireSymbols: boolean;
}

/** Cognito's default policy. */
export const COGNITO_DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minimumLength: 8,
  requireLowercase: true,
  requireUppercase: true,
  requireNumbers: true,
  requireSymbols: true,
};

// Cognito's accepted symbol set.
const SYMBOLS = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]/;

/**
 * The rules `password` breaks, empty when it passes. Cognito does not enforce the policy on migrated
 * passwords, so the trigger checks it and answers RESET_REQUIRED when this list is not empty.
 */
export function passwordPolicyViolations(password: string, policy: PasswordPolicy): string[] {
  const violations: string[] = [];
  if ([...password].length < policy.minimumLength) violations.push(`shorter than ${policy.minimumLength}`);
  if (policy.requireLowercase && !/[a-z]/.test(password)) violations.push("no lowercase letter");
  if (policy.requireUppercase && !/[A-Z]/.test(password)) violations.push("no uppercase letter");
  if (policy.requireNumbers && !/[0-9]/.test(password)) violations.push("no number");
  if (policy.requireSymbols && !SYMBOLS.test(password)) violations.push("no symbol");
  return violations;
}
