import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BACKEND_ONLY_ATTRIBUTES, COGNITO_ACTIONS } from "@realm-to-cognito/cdk";
import { App, type Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The example's own amplify/backend.ts, executed by Amplify's real defineBackend/defineAuth/defineFunction.
// Outside `ampx`, defineBackend builds into the scope a CDK pipeline puts on globalThis (Amplify's
// documented pipeline hook); the auth resources, both triggers included, land in its `auth` nested stack.
const PIPELINE_SCOPE = "__AMPLIFY_PIPELINE_SCOPE__";
const PIPELINE_OUTPUTS = "__AMPLIFY_BACKEND_PIPELINE_OUTPUTS__";
// defineFunction writes its typed environment under the working directory's .amplify/generated.
const generatedDir = path.resolve(".amplify");
const generatedBefore = existsSync(generatedDir);
const outdir = mkdtempSync(path.join(tmpdir(), "amplify-backend-"));

let auth: Template;
let assemblyDir: string;

beforeAll(async () => {
  // Asset metadata (as the CDK CLI sets it) tells which staged directory holds each function's bundle.
  const app = new App({ outdir, context: { "aws:cdk:enable-asset-metadata": true } });
  const ambient = globalThis as Record<string, unknown>;
  ambient[PIPELINE_SCOPE] = app;
  try {
    await import("../amplify/backend.js");
  } finally {
    delete ambient[PIPELINE_SCOPE];
  }
  const { backendStack } = ambient[PIPELINE_OUTPUTS] as { backendStack: Stack };
  const authStack = backendStack.node.findChild("auth") as Stack;
  auth = Template.fromStack(authStack);
  assemblyDir = app.synth().directory;
});

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  if (!generatedBefore) rmSync(generatedDir, { recursive: true, force: true });
});

type Resource = { Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

const poolOf = () => Object.values(auth.findResources("AWS::Cognito::UserPool"))[0] as Resource;
const clientOf = () => Object.values(auth.findResources("AWS::Cognito::UserPoolClient"))[0] as Resource;

/** The logical id of the function a pool trigger names (LambdaConfig.<trigger> is its Fn::GetAtt Arn). */
function triggerFunctionId(trigger: string): string {
  const lambdaConfig = poolOf().Properties.LambdaConfig as Record<string, { "Fn::GetAtt": [string, string] }>;
  const reference = lambdaConfig[trigger];
  expect(reference, `LambdaConfig.${trigger}`).toBeDefined();
  return reference!["Fn::GetAtt"][0];
}

/** The bundled code of a function, read from the staged asset in the cloud assembly. */
function bundledCodeOf(functionId: string): string {
  const fn = auth.findResources("AWS::Lambda::Function")[functionId] as Resource;
  const assetPath = fn.Metadata?.["aws:asset:path"] as string;
  return readFileSync(path.join(assemblyDir, assetPath, "index.mjs"), "utf8");
}

describe("the Amplify Gen 2 backend (amplify/backend.ts under Amplify's own factories)", () => {
  it("attaches the User Migration and the Post Confirmation triggers, each to its own bundle", () => {
    const migration = triggerFunctionId("UserMigration");
    const postConfirmation = triggerFunctionId("PostConfirmation");
    expect(postConfirmation).not.toBe(migration);
    // The handler that marks a password set in Cognito is the one bundled (not a copy of the migration).
    expect(bundledCodeOf(postConfirmation)).toContain("PostConfirmation_ConfirmForgotPassword");
    expect(bundledCodeOf(migration)).toContain("UserMigration_Authentication");
  });

  it("lets the Post Confirmation role update attributes on this pool, and nothing more", () => {
    const role = (
      auth.findResources("AWS::Lambda::Function")[triggerFunctionId("PostConfirmation")] as Resource
    ).Properties.Role as { "Fn::GetAtt": [string, string] };
    const roleId = role["Fn::GetAtt"][0];
    const poolId = Object.keys(auth.findResources("AWS::Cognito::UserPool"))[0]!;
    const cognitoStatements = Object.values(auth.findResources("AWS::IAM::Policy"))
      .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .filter((statement) =>
        [statement.Action].flat().some((action) => String(action).startsWith("cognito-idp:")),
      );
    expect(cognitoStatements).toEqual([
      {
        Effect: "Allow",
        Action:
          COGNITO_ACTIONS.postConfirmation.length === 1
            ? COGNITO_ACTIONS.postConfirmation[0]
            : [...COGNITO_ACTIONS.postConfirmation],
        Resource: { "Fn::GetAtt": [poolId, "Arn"] },
      },
    ]);
  });

  it("restricts both triggers' invoke permissions to the pool and the account", () => {
    for (const trigger of ["UserMigration", "PostConfirmation"]) {
      const functionId = triggerFunctionId(trigger);
      auth.hasResourceProperties("AWS::Lambda::Permission", {
        FunctionName: { "Fn::GetAtt": [functionId, "Arn"] },
        Principal: "cognito-idp.amazonaws.com",
        SourceArn: Match.anyValue(),
        SourceAccount: { Ref: "AWS::AccountId" },
      });
    }
  });

  it("declares every backend-only attribute the CDK construct declares, custom:reset_requested_at included", () => {
    expect(BACKEND_ONLY_ATTRIBUTES).toContain("reset_requested_at");
    const schema = poolOf().Properties.Schema as {
      Name: string;
      AttributeDataType: string;
      Mutable: boolean;
    }[];
    for (const name of BACKEND_ONLY_ATTRIBUTES)
      expect(schema).toContainEqual(
        expect.objectContaining({ Name: name, AttributeDataType: "String", Mutable: true }),
      );
  });

  it("keeps every backend-only attribute out of the app client's write attributes", () => {
    const writable = clientOf().Properties.WriteAttributes as string[];
    expect(writable).toContain("email");
    for (const name of BACKEND_ONLY_ATTRIBUTES) expect(writable).not.toContain(`custom:${name}`);
  });
});
