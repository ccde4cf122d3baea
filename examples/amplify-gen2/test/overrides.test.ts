import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AmplifyAuth } from "@aws-amplify/auth-construct";
import { App, aws_cognito as cognito, aws_lambda as lambda, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationAuthSettings } from "../amplify/auth/resource.js";
import { applyMigrationOverrides, BACKEND_ONLY_ATTRIBUTES } from "../amplify/migration-overrides.js";

// The recipe applied to Amplify's own auth construct (what defineAuth builds), with stand-ins for the two
// triggers attached the way defineAuth's `triggers` does (userPool.addTrigger). backend.test.ts runs the
// whole amplify/backend.ts under Amplify's own factories.
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function amplifyAuthStack(options: { overrides: boolean }) {
  const outdir = mkdtempSync(path.join(tmpdir(), "amplify-recipe-"));
  outdirs.push(outdir);
  const stack = new Stack(new App({ outdir }), "AmplifyAuth");
  const auth = new AmplifyAuth(stack, "Auth", {
    loginWith: migrationAuthSettings.loginWith,
    userAttributes: migrationAuthSettings.userAttributes,
    accountRecovery: migrationAuthSettings.accountRecovery,
  });
  for (const [id, operation] of [
    ["UserMigration", cognito.UserPoolOperation.USER_MIGRATION],
    ["PostConfirmation", cognito.UserPoolOperation.POST_CONFIRMATION],
  ] as const) {
    const trigger = new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "index.handler",
      code: lambda.Code.fromInline("export const handler = async (event) => event;"),
    });
    (auth.resources.userPool as cognito.UserPool).addTrigger(operation, trigger);
  }
  if (options.overrides) applyMigrationOverrides(auth.resources.cfnResources, { realmPrimary: true });
  return Template.fromStack(stack);
}

let amplifyDefaults: Template;
let withRecipe: Template;
beforeAll(() => {
  amplifyDefaults = amplifyAuthStack({ overrides: false });
  withRecipe = amplifyAuthStack({ overrides: true });
});

const clientOf = (template: Template) =>
  Object.values(template.findResources("AWS::Cognito::UserPoolClient"))[0]!.Properties as Record<
    string,
    unknown
  >;

describe("the Amplify Gen 2 recipe", () => {
  it("is needed: Amplify's defaults leave the ids writable, password sign-in off and sign-up open", () => {
    const client = clientOf(amplifyDefaults);
    expect(client.WriteAttributes).toBeUndefined(); // every attribute writable, custom:realm_user_id included
    expect(client.ExplicitAuthFlows).not.toContain("ALLOW_USER_PASSWORD_AUTH");
    amplifyDefaults.hasResourceProperties("AWS::Cognito::UserPool", {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
    });
    const permissions = Object.values(amplifyDefaults.findResources("AWS::Lambda::Permission"));
    expect(permissions).toHaveLength(2);
    for (const permission of permissions) {
      expect(permission.Properties.SourceArn).toBeDefined();
      expect(permission.Properties.SourceAccount).toBeUndefined();
    }
  });

  it("declares the backend-only attributes on the pool", () => {
    withRecipe.hasResourceProperties("AWS::Cognito::UserPool", {
      Schema: Match.arrayWith(
        BACKEND_ONLY_ATTRIBUTES.map((name) =>
          Match.objectLike({
            Name: name.replace(/^custom:/, ""),
            AttributeDataType: "String",
            Mutable: true,
          }),
        ),
      ),
    });
  });

  it("makes usernames case-insensitive, keeps emails until verified and closes sign-up", () => {
    withRecipe.hasResourceProperties("AWS::Cognito::UserPool", {
      UsernameAttributes: ["email"],
      UsernameConfiguration: { CaseSensitive: false },
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ["email"] },
      AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
      LambdaConfig: { UserMigration: Match.anyValue(), PostConfirmation: Match.anyValue() },
    });
  });

  it("lets the app client sign in with USER_PASSWORD_AUTH but never write the backend-only attributes", () => {
    const client = clientOf(withRecipe);
    expect(client.ExplicitAuthFlows).toContain("ALLOW_USER_PASSWORD_AUTH");
    expect(client.PreventUserExistenceErrors).toBe("ENABLED");
    expect(client.GenerateSecret).toBe(false);
    const writable = client.WriteAttributes as string[];
    expect(writable).toContain("email");
    for (const attribute of BACKEND_ONLY_ATTRIBUTES) expect(writable).not.toContain(attribute);
  });

  it("restricts both triggers' invoke permissions to the pool and the account", () => {
    const permissions = Object.values(withRecipe.findResources("AWS::Lambda::Permission"));
    expect(permissions).toHaveLength(2);
    for (const permission of permissions)
      expect(permission.Properties).toMatchObject({
        Principal: "cognito-idp.amazonaws.com",
        SourceArn: expect.anything(),
        SourceAccount: { Ref: "AWS::AccountId" },
      });
  });
});
