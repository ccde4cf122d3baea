import { readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadTriggerConfig } from "@realm-to-cognito/trigger";
import {
  App,
  aws_cognito as cognito,
  Duration,
  aws_logs as logs,
  Stack,
  aws_secretsmanager as secretsmanager,
} from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MigrationConfigError } from "../src/errors.js";
import { COGNITO_ACTIONS, LAMBDA_ENV } from "../src/lambda-contract.js";
import { RealmToCognitoMigration, type RealmToCognitoMigrationProps } from "../src/migration.js";
import {
  awsSolutionsViolations,
  type CfnTemplate,
  freshBundleDir,
  removeScratchDirs,
  resourcesOfType,
  scratchDir,
} from "./support.js";

let bundleDir: string;
beforeAll(async () => {
  bundleDir = await freshBundleDir();
});
afterAll(removeScratchDirs);

const ENDPOINTS = { allowedOrigins: ["https://app.example.com"] };

/** One stack with the construct and these props (beyond the required ones). */
function stackWith(
  props: Partial<RealmToCognitoMigrationProps> & Pick<RealmToCognitoMigrationProps, "mode">,
  extra?: (stack: Stack) => Partial<RealmToCognitoMigrationProps>,
) {
  const app = new App({
    outdir: scratchDir("cdk-test-out-"),
    context: { "aws:cdk:enable-asset-metadata": true },
  });
  const stack = new Stack(app, "Variant");
  const migration = new RealmToCognitoMigration(stack, "Migration", {
    realm: { appId: "myapp-abcde" },
    bundleDir,
    endpoints: ENDPOINTS,
    ...props,
    ...extra?.(stack),
  });
  const template = Template.fromStack(stack);
  return { app, stack, migration, template, json: template.toJSON() as CfnTemplate };
}

function envOf(json: CfnTemplate, handler: string): Record<string, unknown> {
  const fn = resourcesOfType(json, "AWS::Lambda::Function").find(([, f]) =>
    String(f.Properties!.Handler).startsWith(handler),
  );
  return (fn![1].Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
}

describe("an existing user pool", () => {
  it("creates no pool, adds a client that cannot write the ids, and says what it cannot enforce", () => {
    const { template, json, stack } = stackWith({ mode: "realm-primary" }, (s) => ({
      existingUserPool: cognito.UserPool.fromUserPoolId(s, "Existing", "eu-west-1_Example1"),
    }));
    template.resourceCountIs("AWS::Cognito::UserPool", 0);
    template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      UserPoolId: "eu-west-1_Example1",
      ExplicitAuthFlows: Match.arrayWith(["ALLOW_USER_PASSWORD_AUTH"]),
      PreventUserExistenceErrors: "ENABLED",
      GenerateSecret: false,
    });
    const [, client] = resourcesOfType(json, "AWS::Cognito::UserPoolClient")[0]!;
    expect((client.Properties!.WriteAttributes as string[]).filter((a) => a.startsWith("custom:"))).toEqual(
      [],
    );
    // The invoke permission still names that pool and this account.
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Principal: "cognito-idp.amazonaws.com",
      SourceArn: Match.objectLike({ "Fn::Join": Match.anyValue() }),
      SourceAccount: { Ref: "AWS::AccountId" },
    });
    expect(JSON.stringify(template.toJSON())).toContain("userpool/eu-west-1_Example1");
    Annotations.fromStack(stack).hasWarning("*", Match.stringLikeRegexp("attach TriggerFunctionArn"));
    expect(Object.keys(json.Outputs ?? {}).some((name) => name.includes("TriggerFunctionArn"))).toBe(true);
  });
});

describe("the reset action", () => {
  it("opts in to delete with only the actions delete needs", () => {
    const { json } = stackWith({
      mode: "realm-primary",
      endpoints: { ...ENDPOINTS, onResetRequest: "delete" },
    });
    expect(envOf(json, "password-reset-requested")[LAMBDA_ENV.onResetRequest]).toBe("delete");
    const actions = resourcesOfType(json, "AWS::IAM::Policy")
      .flatMap(
        ([, p]) => (p.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
      )
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(expect.arrayContaining([...COGNITO_ACTIONS.passwordResetRequested.delete]));
    expect(actions).not.toContain("cognito-idp:AdminUserGlobalSignOut");
  });

  it("gives re-sync the Realm server's reset-link lifetime when set (default: the trigger's 30 minutes)", () => {
    const { json } = stackWith({
      mode: "realm-primary",
      endpoints: { ...ENDPOINTS, resetTokenLifetime: Duration.minutes(60) },
    });
    expect(envOf(json, "resync-password")[LAMBDA_ENV.resetTokenLifetimeMs]).toBe("3600000");
    expect(
      envOf(stackWith({ mode: "realm-primary" }).json, "resync-password")[LAMBDA_ENV.resetTokenLifetimeMs],
    ).toBeUndefined();
  });

  it("sets the stage throttle from the props", () => {
    const { template } = stackWith({
      mode: "realm-primary",
      endpoints: { ...ENDPOINTS, rateLimit: 3, burstLimit: 7 },
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      DefaultRouteSettings: { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 7 },
    });
  });
});

describe("the user directory in cognito-primary", () => {
  it("ships a directory file next to the trigger and points USER_SNAPSHOT_FILE at it", async () => {
    const dir = scratchDir("cdk-directory-");
    const file = path.join(dir, "users.directory");
    await writeFile(file, "stand-in directory\n", { mode: 0o600 });
    const { json, app } = stackWith({ mode: "cognito-primary", userDirectory: { kind: "file", path: file } });
    expect(envOf(json, "user-migration")).toMatchObject({
      [LAMBDA_ENV.userDirectory]: "snapshot",
      [LAMBDA_ENV.userSnapshotFile]: "/var/task/users.directory",
    });
    const [, trigger] = resourcesOfType(json, "AWS::Lambda::Function")[0]!;
    const assetDir = path.join(app.outdir, String(trigger.Metadata!["aws:asset:path"]));
    expect((await readdir(assetDir)).sort()).toEqual(["user-migration.mjs", "users.directory"]);
  });

  it("is not shipped in realm-primary, where the trigger has no forgot-password path", async () => {
    const { json } = stackWith({
      mode: "realm-primary",
      userDirectory: { kind: "file", path: "/nonexistent/users.directory" },
    });
    expect(envOf(json, "user-migration")[LAMBDA_ENV.userDirectory]).toBe("none");
  });

  it("reads the Admin API key from Secrets Manager through the extension, granted on that secret only", () => {
    const { json, template, stack } = stackWith({ mode: "cognito-primary" }, (s) => {
      const secret = new secretsmanager.Secret(s, "RealmAdminKey");
      return {
        userDirectory: {
          kind: "admin-api",
          groupId: "group-1",
          appObjectId: "app-1",
          publicKey: "public-1",
          privateKeySecret: secret,
        },
      };
    });
    const secretId = resourcesOfType(json, "AWS::SecretsManager::Secret")[0]![0];
    const env = envOf(json, "user-migration");
    expect(env).toMatchObject({
      [LAMBDA_ENV.userDirectory]: "admin-api",
      [LAMBDA_ENV.realmAdminPrivateKeySecret]: { Ref: secretId },
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: "2773",
    });
    expect(Object.keys(env)).not.toContain("REALM_ADMIN_PRIVATE_KEY");
    // The trigger's own configuration check reads it as an Admin API directory keyed from Secrets Manager.
    const resolved = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [name, typeof value === "string" ? value : "arn:secret"]),
    );
    expect(loadTriggerConfig(resolved).directory).toMatchObject({
      kind: "admin-api",
      admin: { privateKey: { from: "secrets-manager", secretId: "arn:secret", extensionPort: 2773 } },
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Layers: [Match.anyValue()],
    });
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: "secretsmanager:GetSecretValue", Resource: { Ref: secretId } }),
        ]),
      },
    });
    // The team's secret itself is theirs to rotate; everything the construct adds still passes.
    expect(awsSolutionsViolations(stack).filter((v) => !v.includes("RealmAdminKey"))).toEqual([]);
  });
});

describe("SES, password policy and log retention", () => {
  it("sends the pool's emails through the SES identity", () => {
    const { template } = stackWith({
      mode: "cognito-primary",
      sesIdentity: { fromEmail: "noreply@example.com", sesRegion: "eu-west-1" },
    });
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      EmailConfiguration: Match.objectLike({ EmailSendingAccount: "DEVELOPER", From: "noreply@example.com" }),
    });
  });

  it("uses Cognito's own email without an SES identity", () => {
    const { json } = stackWith({ mode: "cognito-primary" });
    const [, pool] = resourcesOfType(json, "AWS::Cognito::UserPool")[0]!;
    expect(pool.Properties!.EmailConfiguration).toBeUndefined();
  });

  it("applies a custom password policy to the pool and the trigger alike", () => {
    const { template, json } = stackWith({
      mode: "realm-primary",
      passwordPolicy: { minLength: 12, requireSymbols: false },
    });
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: false }) },
    });
    for (const handler of ["user-migration", "resync-password"])
      expect(JSON.parse(String(envOf(json, handler)[LAMBDA_ENV.passwordPolicy]))).toMatchObject({
        minimumLength: 12,
        requireSymbols: false,
      });
  });

  it("applies the log retention to every log group", () => {
    const { json } = stackWith({ mode: "realm-primary", logRetention: logs.RetentionDays.ONE_MONTH });
    const groups = resourcesOfType(json, "AWS::Logs::LogGroup");
    expect(groups).toHaveLength(5);
    for (const [, group] of groups) expect(group.Properties!.RetentionInDays).toBe(30);
  });

  it("opens self sign-up only when asked, and only in cognito-primary", () => {
    stackWith({ mode: "cognito-primary", selfSignUp: true }).template.hasResourceProperties(
      "AWS::Cognito::UserPool",
      { AdminCreateUserConfig: { AllowAdminCreateUserOnly: false } },
    );
  });
});

describe("props that would deploy an unsafe migration are refused", () => {
  const refused = (
    props: Partial<RealmToCognitoMigrationProps> & Pick<RealmToCognitoMigrationProps, "mode">,
  ) => {
    try {
      stackWith(props);
    } catch (error) {
      expect(error).toBeInstanceOf(MigrationConfigError);
      return (error as MigrationConfigError).code;
    }
    throw new Error("accepted");
  };

  it("self sign-up in realm-primary", () => {
    expect(refused({ mode: "realm-primary", selfSignUp: true })).toBe("self-sign-up-in-phase-1");
  });
  it("realm-primary without the app's origins, or with *", () => {
    expect(refused({ mode: "realm-primary", endpoints: { allowedOrigins: [] } })).toBe("endpoints-required");
    expect(refused({ mode: "realm-primary", endpoints: { allowedOrigins: ["*"] } })).toBe("wildcard-origin");
  });
  it("a directory file that does not exist in cognito-primary", () => {
    expect(
      refused({
        mode: "cognito-primary",
        userDirectory: { kind: "file", path: "/nonexistent/users.directory" },
      }),
    ).toBe("directory-file-missing");
  });
  it("a bundle directory without the bundles", () => {
    expect(refused({ mode: "cognito-primary", bundleDir: tmpdir() })).toBe("bundle-missing");
  });
});
