import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { MIGRATION_MODES } from "@realm-to-cognito/core";
import { loadTriggerConfig, requireCognitoPool } from "@realm-to-cognito/trigger";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKEND_ONLY_ATTRIBUTES, COGNITO_ACTIONS, LAMBDA_ENV } from "../src/lambda-contract.js";
import {
  awsSolutionsViolations,
  type CfnTemplate,
  freshBundleDir,
  removeScratchDirs,
  resourcesOfType,
  type Synthesized,
  synthesizeExample,
} from "./support.js";

// Each mode is synthesized once and shared by every assertion below (test time).
const synthesized = new Map<string, Synthesized>();
let bundleDir: string;

beforeAll(async () => {
  bundleDir = await freshBundleDir();
  for (const mode of MIGRATION_MODES) synthesized.set(mode, synthesizeExample(mode, bundleDir));
});
afterAll(removeScratchDirs);

const of = (mode: string): Synthesized => synthesized.get(mode)!;

function logicalIdOf(json: CfnTemplate, type: string, handlerPrefix: string): string {
  const found = resourcesOfType(json, type).find(([, resource]) =>
    String(resource.Properties?.Handler ?? "").startsWith(handlerPrefix),
  );
  if (found === undefined) throw new Error(`no ${type} with handler ${handlerPrefix}`);
  return found[0];
}

/** Every IAM statement of the template (inline policies and managed policies), flattened. */
function statements(json: CfnTemplate): { Action: unknown; Resource: unknown; policy: string }[] {
  return resourcesOfType(json, "AWS::IAM::Policy").flatMap(([id, resource]) => {
    const document = resource.Properties?.PolicyDocument as {
      Statement: { Action: unknown; Resource: unknown }[];
    };
    return document.Statement.map((statement) => ({ ...statement, policy: id }));
  });
}

const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [String(value)]);

/** The cognito-idp actions the role of the function with this handler may call. */
function cognitoActionsOf(json: CfnTemplate, handlerPrefix: string): string[] {
  const fnId = logicalIdOf(json, "AWS::Lambda::Function", handlerPrefix);
  const roleId = (json.Resources[fnId]!.Properties!.Role as { "Fn::GetAtt": [string, string] })[
    "Fn::GetAtt"
  ][0];
  return resourcesOfType(json, "AWS::IAM::Policy")
    .filter(([, policy]) =>
      (policy.Properties!.Roles as { Ref: string }[]).some((role) => role.Ref === roleId),
    )
    .flatMap(([, policy]) =>
      (policy.Properties!.PolicyDocument as { Statement: { Action: unknown }[] }).Statement.flatMap((s) =>
        asList(s.Action),
      ),
    )
    .filter((action) => action.startsWith("cognito-idp:"))
    .sort();
}

/** A function's environment with CloudFormation references replaced by plausible resolved values. */
function resolvedEnv(json: CfnTemplate, handlerPrefix: string): Record<string, string> {
  const fn = json.Resources[logicalIdOf(json, "AWS::Lambda::Function", handlerPrefix)]!;
  const variables = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
  const resolve = (value: unknown): string => {
    if (typeof value === "string") return value;
    const text = JSON.stringify(value);
    if (text.includes("AWS::Region")) return "eu-west-1";
    if (text.includes("UserPool")) return "eu-west-1_Example1";
    return "resolved";
  };
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolve(value)]));
}

describe("the environment the construct gives each function", () => {
  it("names only variables packages/trigger reads (config.ts)", () => {
    const configSource = readFileSync(
      path.join(import.meta.dirname, "..", "..", "trigger", "src", "config.ts"),
      "utf8",
    );
    for (const name of Object.values(LAMBDA_ENV)) expect(configSource, name).toContain(`${name}:`);
  });

  it.each(MIGRATION_MODES)("is accepted by the trigger's own configuration check in %s", (mode) => {
    const config = loadTriggerConfig(resolvedEnv(of(mode).json, "user-migration"));
    expect(config.mode).toBe(mode);
    expect(config.passwordPolicy.minimumLength).toBe(8);
  });

  it("is accepted by the endpoints' configuration check, pool included", () => {
    for (const handler of ["password-reset-requested", "resync-password"]) {
      const config = loadTriggerConfig(resolvedEnv(of("realm-primary").json, handler));
      expect(requireCognitoPool(config)).toEqual({ userPoolId: "eu-west-1_Example1", region: "eu-west-1" });
    }
  });
});

describe.each(MIGRATION_MODES)("the example app in %s", (mode) => {
  it("creates a pool with email as the username, compared without case", () => {
    of(mode).template.hasResourceProperties("AWS::Cognito::UserPool", {
      UsernameAttributes: ["email"],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ["email"],
    });
  });

  it("declares the backend-only custom attributes", () => {
    of(mode).template.hasResourceProperties("AWS::Cognito::UserPool", {
      Schema: Match.arrayWith(
        BACKEND_ONLY_ATTRIBUTES.map((name) =>
          Match.objectLike({ Name: name, AttributeDataType: "String", Mutable: true }),
        ),
      ),
    });
  });

  it("keeps the original email until the new one is verified", () => {
    of(mode).template.hasResourceProperties("AWS::Cognito::UserPool", {
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ["email"] },
    });
  });

  it("keeps self sign-up closed by default", () => {
    of(mode).template.hasResourceProperties("AWS::Cognito::UserPool", {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it("sets the password policy on the pool and the same one on the trigger", () => {
    const { template, json } = of(mode);
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      Policies: {
        PasswordPolicy: {
          MinimumLength: 8,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
    const trigger = json.Resources[logicalIdOf(json, "AWS::Lambda::Function", "user-migration")]!;
    const env = (trigger.Properties!.Environment as { Variables: Record<string, string> }).Variables;
    expect(JSON.parse(env[LAMBDA_ENV.passwordPolicy]!)).toEqual({
      minimumLength: 8,
      requireLowercase: true,
      requireUppercase: true,
      requireNumbers: true,
      requireSymbols: true,
    });
  });

  it("attaches the trigger as the pool's User Migration trigger", () => {
    const { template, json } = of(mode);
    const triggerId = logicalIdOf(json, "AWS::Lambda::Function", "user-migration");
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      LambdaConfig: { UserMigration: { "Fn::GetAtt": [triggerId, "Arn"] } },
    });
  });

  it("runs the trigger on Node 22+, cut off before Cognito's 5 s, in the pool's mode", () => {
    const { json } = of(mode);
    const trigger = json.Resources[logicalIdOf(json, "AWS::Lambda::Function", "user-migration")]!;
    const props = trigger.Properties!;
    expect(Number(/^nodejs(\d+)\.x$/.exec(String(props.Runtime))?.[1])).toBeGreaterThanOrEqual(22);
    expect(props.Timeout as number).toBeLessThan(5);
    expect(props.Handler).toBe("user-migration.handler");
    const env = (props.Environment as { Variables: Record<string, string> }).Variables;
    expect(env[LAMBDA_ENV.mode]).toBe(mode);
    expect(env[LAMBDA_ENV.realmAppId]).toBe("myapp-abcde");
  });

  it("lets only this pool in this account invoke the trigger", () => {
    const { template, json } = of(mode);
    const triggerId = logicalIdOf(json, "AWS::Lambda::Function", "user-migration");
    const poolId = resourcesOfType(json, "AWS::Cognito::UserPool")[0]![0];
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: { "Fn::GetAtt": [triggerId, "Arn"] },
      Principal: "cognito-idp.amazonaws.com",
      SourceArn: { "Fn::GetAtt": [poolId, "Arn"] },
      SourceAccount: { Ref: "AWS::AccountId" },
    });
    // No other permission opens the trigger to anyone else.
    const triggerPermissions = resourcesOfType(json, "AWS::Lambda::Permission").filter(
      ([, permission]) =>
        JSON.stringify(permission.Properties!.FunctionName) ===
        JSON.stringify({ "Fn::GetAtt": [triggerId, "Arn"] }),
    );
    expect(triggerPermissions).toHaveLength(1);
  });

  it("gives the browser client password sign-in, no secret, hidden user existence and no writable ids", () => {
    const { template, json } = of(mode);
    template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      ExplicitAuthFlows: Match.arrayWith(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
      GenerateSecret: false,
      PreventUserExistenceErrors: "ENABLED",
    });
    for (const [, client] of resourcesOfType(json, "AWS::Cognito::UserPoolClient")) {
      const writable = client.Properties!.WriteAttributes as string[] | undefined;
      // Unset WriteAttributes means "every attribute": that must never be the case.
      expect(writable).toBeDefined();
      expect(writable).toContain("email");
      expect(writable!.filter((name) => name.startsWith("custom:"))).toEqual([]);
    }
  });

  it("grants no `*` action and nothing on `*` for Cognito", () => {
    for (const statement of statements(of(mode).json)) {
      for (const action of asList(statement.Action)) expect(action).not.toMatch(/(^|:)\*$/);
      if (asList(statement.Action).some((action) => action.startsWith("cognito-idp:")))
        expect(JSON.stringify(statement.Resource)).not.toContain("*");
    }
  });

  it("attaches the Post Confirmation trigger, invocable by this pool only, updating attributes on it only", () => {
    const { template, json } = of(mode);
    const fnId = logicalIdOf(json, "AWS::Lambda::Function", "post-confirmation");
    const poolId = resourcesOfType(json, "AWS::Cognito::UserPool")[0]![0];
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      LambdaConfig: { PostConfirmation: { "Fn::GetAtt": [fnId, "Arn"] } },
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: { "Fn::GetAtt": [fnId, "Arn"] },
      Principal: "cognito-idp.amazonaws.com",
      SourceArn: { "Fn::GetAtt": [poolId, "Arn"] },
      SourceAccount: { Ref: "AWS::AccountId" },
    });
    expect(cognitoActionsOf(json, "post-confirmation")).toEqual([...COGNITO_ACTIONS.postConfirmation]);
    const granted = statements(json).filter((s) =>
      asList(s.Action).includes("cognito-idp:AdminUpdateUserAttributes"),
    );
    for (const statement of granted) expect(statement.Resource).toEqual({ "Fn::GetAtt": [poolId, "Arn"] });
    const fn = json.Resources[fnId]!.Properties!;
    expect(fn.Timeout as number).toBeLessThan(5);
    // The pool's id comes in the event: naming it here would make pool and function depend on each other.
    const config = loadTriggerConfig(resolvedEnv(json, "post-confirmation"));
    expect(config.cognito.userPoolId).toBeUndefined();
    expect(config.cognito.region).toBe("eu-west-1");
  });

  it("gives the trigger no AWS API permission beyond its own log group", () => {
    const { json } = of(mode);
    expect(cognitoActionsOf(json, "user-migration")).toEqual([]);
    expect(
      resourcesOfType(json, "AWS::IAM::Role").flatMap(([, role]) => role.Properties!.ManagedPolicyArns ?? []),
    ).toEqual([]);
  });

  it("lets each function write only to its own log group", () => {
    const { json } = of(mode);
    for (const [, fn] of resourcesOfType(json, "AWS::Lambda::Function")) {
      const logGroup = (fn.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const roleId = (fn.Properties!.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
      const logStatements = resourcesOfType(json, "AWS::IAM::Policy")
        .filter(([, policy]) => (policy.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
        .flatMap(
          ([, policy]) =>
            (policy.Properties!.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
              .Statement,
        )
        .filter((statement) => asList(statement.Action).some((action) => action.startsWith("logs:")));
      expect(logStatements).toEqual([
        expect.objectContaining({
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: { "Fn::GetAtt": [logGroup, "Arn"] },
        }),
      ]);
    }
  });

  it("keeps every log group for the configured retention", () => {
    const groups = resourcesOfType(of(mode).json, "AWS::Logs::LogGroup");
    expect(groups.length).toBeGreaterThan(0);
    for (const [, group] of groups) expect(group.Properties!.RetentionInDays).toBe(365);
  });

  it("creates the CSV import jobs' logs role, assumable only by Cognito for this pool, with its ARN as an output", () => {
    const { template, json } = of(mode);
    const poolId = resourcesOfType(json, "AWS::Cognito::UserPool")[0]![0];
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: "cognito-idp.amazonaws.com" },
            Condition: {
              StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
              ArnLike: { "aws:SourceArn": { "Fn::GetAtt": [poolId, "Arn"] } },
            },
          }),
        ],
      },
    });
    const outputs = Object.entries(json.Outputs ?? {});
    const roleOutput = outputs.find(([name]) => name.includes("CsvImportLogsRoleArn"));
    expect(roleOutput).toBeDefined();
    expect(JSON.stringify(roleOutput![1])).toMatch(/CsvImportLogsRole[0-9A-F]{8}","Arn"/);
  });

  it("passes cdk-nag's AwsSolutions checks, each acknowledgment with a reason", () => {
    expect(awsSolutionsViolations(of(mode).stack)).toEqual([]);
    const acknowledged = of(mode)
      .stack.node.findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === "aws:cdk:acknowledged-rules")
      .flatMap((entry) => Object.values(entry.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const reason of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });

  it("ships the trigger bundle packages/trigger builds, and only it", async () => {
    const { json, assemblyDir } = of(mode);
    const trigger = json.Resources[logicalIdOf(json, "AWS::Lambda::Function", "user-migration")]!;
    const assetDir = path.join(assemblyDir, String(trigger.Metadata!["aws:asset:path"]));
    expect(await readdir(assetDir)).toEqual(["user-migration.mjs"]);
    // A second, independent build gives the same bytes: the asset is what buildBundles makes.
    const rebuilt = await freshBundleDir();
    const digest = async (file: string) =>
      createHash("sha256")
        .update(await readFile(file))
        .digest("hex");
    expect(await digest(path.join(assetDir, "user-migration.mjs"))).toBe(
      await digest(path.join(rebuilt, "user-migration.mjs")),
    );
  });
});

describe("realm-primary", () => {
  const rp = () => of("realm-primary");

  it("puts the two endpoints behind an HTTP API: POST /password-reset-requested and POST /resync-password", () => {
    const routes = resourcesOfType(rp().json, "AWS::ApiGatewayV2::Route").map(
      ([, route]) => route.Properties!.RouteKey,
    );
    expect(routes.sort()).toEqual(["POST /password-reset-requested", "POST /resync-password"]);
    for (const [, route] of resourcesOfType(rp().json, "AWS::ApiGatewayV2::Route"))
      expect(route.Properties!.AuthorizationType).toBe("NONE");
  });

  it("throttles the whole stage (the global limit the handlers' per-container limits need)", () => {
    rp().template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it("allows only the app's origins and POST through CORS", () => {
    rp().template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      ProtocolType: "HTTP",
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ["https://app.example.com"],
        AllowMethods: ["POST"],
      }),
    });
  });

  it("grants each endpoint exactly the Admin actions it calls, on the pool's ARN", () => {
    const { json } = rp();
    expect(cognitoActionsOf(json, "password-reset-requested")).toEqual(
      [...COGNITO_ACTIONS.passwordResetRequested.scramble].sort(),
    );
    expect(cognitoActionsOf(json, "resync-password")).toEqual([...COGNITO_ACTIONS.resyncPassword].sort());
    const poolId = resourcesOfType(json, "AWS::Cognito::UserPool")[0]![0];
    for (const statement of statements(json))
      if (asList(statement.Action).some((action) => action.startsWith("cognito-idp:")))
        expect(statement.Resource).toEqual({ "Fn::GetAtt": [poolId, "Arn"] });
  });

  it("configures the endpoints for the pool, the mode and the scramble default", () => {
    const { json } = rp();
    const poolId = resourcesOfType(json, "AWS::Cognito::UserPool")[0]![0];
    for (const handler of ["password-reset-requested", "resync-password"]) {
      const fn = json.Resources[logicalIdOf(json, "AWS::Lambda::Function", handler)]!;
      const env = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env[LAMBDA_ENV.mode]).toBe("realm-primary");
      expect(env[LAMBDA_ENV.cognitoUserPoolId]).toEqual({ Ref: poolId });
      expect(Number(/^nodejs(\d+)\.x$/.exec(String(fn.Properties!.Runtime))?.[1])).toBeGreaterThanOrEqual(22);
    }
    const reset = json.Resources[logicalIdOf(json, "AWS::Lambda::Function", "password-reset-requested")]!;
    expect((reset.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject(
      {
        [LAMBDA_ENV.onResetRequest]: "scramble",
      },
    );
  });

  it("lets API Gateway invoke each endpoint only from this API", () => {
    const { json } = rp();
    const apiId = resourcesOfType(json, "AWS::ApiGatewayV2::Api")[0]![0];
    const apiPermissions = resourcesOfType(json, "AWS::Lambda::Permission").filter(
      ([, permission]) => permission.Properties!.Principal === "apigateway.amazonaws.com",
    );
    expect(apiPermissions).toHaveLength(2);
    for (const [, permission] of apiPermissions)
      expect(JSON.stringify(permission.Properties!.SourceArn)).toContain(apiId);
  });
});

describe("cognito-primary", () => {
  it("deploys no phase-1 endpoint and no API (the two pool triggers only)", () => {
    const { json } = of("cognito-primary");
    expect(
      resourcesOfType(json, "AWS::Lambda::Function")
        .map(([, fn]) => fn.Properties!.Handler)
        .sort(),
    ).toEqual(["post-confirmation.handler", "user-migration.handler"]);
    expect(Object.values(json.Resources).filter((r) => r.Type.startsWith("AWS::ApiGatewayV2::"))).toEqual([]);
    expect(
      statements(json)
        .flatMap((s) => asList(s.Action))
        .filter((a) => a.startsWith("cognito-idp:")),
    ).toEqual([...COGNITO_ACTIONS.postConfirmation]);
  });

  it("warns that, without a user directory, users not yet in Cognito cannot reset", () => {
    of("cognito-primary").annotations.hasWarning("*", Match.stringLikeRegexp("without userDirectory"));
  });
});
