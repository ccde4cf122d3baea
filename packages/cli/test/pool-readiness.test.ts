import { describe, expect, it } from "vitest";
import { checkAuthFlows, checkEmailSender } from "../src/cognito/pool-readiness.js";

describe("doctor: the pool's email sender against the audience", () => {
  it("warns when Cognito's default sender (50 a day) faces a larger audience, naming the SES setting", () => {
    const check = checkEmailSender({ EmailConfiguration: { EmailSendingAccount: "COGNITO_DEFAULT" } }, 51);
    expect(check.ok).toBe(false);
    expect(check.what).toContain("EmailConfiguration.EmailSendingAccount COGNITO_DEFAULT");
    expect(check.what).toContain("2 days");
    expect(check.fix).toMatch(/EmailSendingAccount to DEVELOPER with SourceArn/);
  });

  it("counts a pool without any email configuration as the default sender", () => {
    expect(checkEmailSender({}, 1000).ok).toBe(false);
    expect(checkEmailSender(undefined, 1000).ok).toBe(false);
  });

  it("lets a small audience or an SES pool pass", () => {
    expect(checkEmailSender({ EmailConfiguration: { EmailSendingAccount: "COGNITO_DEFAULT" } }, 50).ok).toBe(
      true,
    );
    const ses = {
      EmailConfiguration: {
        EmailSendingAccount: "DEVELOPER" as const,
        SourceArn: "arn:aws:ses:eu-west-1:1:identity/x",
      },
    };
    expect(checkEmailSender(ses, 1_000_000)).toMatchObject({ ok: true });
  });
});

describe("doctor: the app client's auth flows", () => {
  it("needs USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, and says which is missing", () => {
    const checks = checkAuthFlows({ ClientId: "web", ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH"] });
    expect(checks.map((check) => check.ok)).toEqual([false, false]);
    expect(checks[0]!.what).toContain("ALLOW_USER_PASSWORD_AUTH");
    expect(checks[1]!.what).toContain("ALLOW_REFRESH_TOKEN_AUTH");
    expect(checks[1]!.fix).toContain("keep the others");
  });

  it("needs ADMIN_USER_PASSWORD_AUTH only when the deployment uses it, and names it when unused", () => {
    const both = {
      ClientId: "web",
      ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH" as const, "ALLOW_REFRESH_TOKEN_AUTH" as const],
    };
    expect(checkAuthFlows(both).every((check) => check.ok)).toBe(true);
    expect(checkAuthFlows(both, { adminUserPasswordAuth: true }).filter((check) => !check.ok)).toHaveLength(
      1,
    );
    const extra = checkAuthFlows({
      ...both,
      ExplicitAuthFlows: [...both.ExplicitAuthFlows, "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
    });
    expect(extra.at(-1)).toMatchObject({
      ok: true,
      what: expect.stringContaining("nothing of the migration uses"),
    });
  });
});
