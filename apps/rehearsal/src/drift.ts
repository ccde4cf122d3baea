import { check, cognitoVerdict, type DemoStep, resyncThroughApi } from "@realm-to-cognito/sandbox";

/**
 * Drift: a migrated user resets their password in Realm without the front end telling the backend
 * (an old app version, say). Realm now accepts the new password and Cognito still holds the old one;
 * /resync-password checks the new one with Realm itself and sets it in Cognito.
 */
export const driftHealingStep: DemoStep = {
  title: "Password changed in Realm behind Cognito's back, then re-synced",
  expected: "Cognito refuses the new password, /resync-password heals it, Cognito accepts it",
  async run(context) {
    const user = context.user("active", 0); // migrated by the first phase-1 step
    const newPassword = "Drifted-Passw0rd!";
    await context.realm.sendResetPasswordEmail(user.email);
    const mail = context.world.realm.outbox.latest(user.email, "reset");
    check(mail, "Realm sent no reset email");
    await context.realm.resetPassword(mail.token, mail.tokenId, newPassword);
    const signIn = async (password: string) =>
      (await cognitoVerdict(context, user.email, password)) === "accepted";
    check(!(await signIn(newPassword)), "Cognito already knew the new password: no drift to heal");
    await resyncThroughApi(context, user.email, newPassword);
    check(await signIn(newPassword), "Cognito still refuses the new password after the re-sync");
    return `${user.email}: Cognito refused the Realm-reset password, /resync-password → resynced, sign-in works`;
  },
};
