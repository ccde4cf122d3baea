import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { MigrationMode } from "@realm-to-cognito/core";
import {
  Annotations,
  ArnFormat,
  aws_apigatewayv2 as apigw,
  CfnOutput,
  aws_cognito as cognito,
  Duration,
  aws_iam as iam,
  aws_apigatewayv2_integrations as integrations,
  aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  Stage,
  type aws_secretsmanager as secretsmanager,
  Validations,
} from "aws-cdk-lib";
import { Construct } from "constructs";
import { MigrationConfigError } from "./errors.js";
import {
  BACKEND_ONLY_ATTRIBUTES,
  BUNDLE_FILES,
  COGNITO_ACTIONS,
  LAMBDA_ENV,
  type ResetAction,
} from "./lambda-contract.js";

/** The Realm app the trigger and the endpoints check passwords against. */
export interface RealmAppProps {
  /** Client app id, e.g. `myapp-abcde`. */
  readonly appId: string;
  /** A self-hosted App Services-compatible server (flowerbase); hosted App Services when unset. */
  readonly baseUrl?: string;
  /** For a server without `/location`. */
  readonly skipLocation?: boolean;
  /** Deadline of the whole Realm exchange in ms (trigger default 3500; at most 4900). */
  readonly timeoutMs?: number;
  /** Field of the user_data claim that becomes `custom:mongo_id` (default `_id`). */
  readonly mongoIdField?: string;
  /** Cognito attribute -> user_data field, e.g. `{ "custom:plan": "plan" }`. */
  readonly attributeMapping?: Readonly<Record<string, string>>;
}

/**
 * Where the trigger finds a Realm user who is not in Cognito yet (forgot-password, `cognito-primary`
 * only). `file`: the CLI's `directory` file (or an export's NDJSON), shipped next to the trigger's code.
 * `admin-api`: Realm's Admin API, its private key read from Secrets Manager at first use through the
 * Parameters and Secrets Lambda Extension (never in the function's configuration).
 */
export type UserDirectoryProps =
  | { readonly kind: "file"; readonly path: string }
  | {
      readonly kind: "admin-api";
      readonly groupId: string;
      readonly appObjectId: string;
      readonly publicKey: string;
      readonly privateKeySecret: secretsmanager.ISecret;
      readonly adminBaseUrl?: string;
    };

/** Cognito's password rules; the same rules go to the trigger (Cognito does not check migrated passwords). */
export interface MigrationPasswordPolicy {
  readonly minLength?: number;
  readonly requireLowercase?: boolean;
  readonly requireUppercase?: boolean;
  readonly requireDigits?: boolean;
  readonly requireSymbols?: boolean;
}

/** The phase-1 endpoints (`realm-primary` only). */
export interface MigrationEndpointsProps {
  /** Origins of the app allowed by CORS, e.g. `["https://app.example.com"]`. */
  readonly allowedOrigins: readonly string[];
  /** Stage-wide steady rate, requests per second (default 10): the global limit over all callers. */
  readonly rateLimit?: number;
  /** Stage-wide burst (default 20). */
  readonly burstLimit?: number;
  /** What a reset request does to a migrated user (default `scramble`: keeps `sub`). */
  readonly onResetRequest?: ResetAction;
  /**
   * How long the Realm server's reset links stay usable (App Services: 30 minutes, the default).
   * Re-sync refuses a user whose reset was requested until this long after the request, so a leaked
   * password re-synced before the user follows the link cannot outlive the reset. Never set it below
   * the server's lifetime (flowerbase: check its setting).
   */
  readonly resetTokenLifetime?: Duration;
}

/** Amazon SES for the pool's emails (codes of the reset wave exceed Cognito's default email quota). */
export interface SesIdentityProps {
  /** A verified SES identity's address, e.g. `noreply@example.com`. */
  readonly fromEmail: string;
  readonly fromName?: string;
  readonly replyTo?: string;
  /** Region of the SES identity (required when the stack's Region is not known at synth time). */
  readonly sesRegion?: string;
  /** The verified domain when `fromEmail` is on a domain identity. */
  readonly sesVerifiedDomain?: string;
  readonly configurationSetName?: string;
}

export interface RealmToCognitoMigrationProps {
  /** `realm-primary` (phase 1) or `cognito-primary` (phase 2). Switching is this one prop. */
  readonly mode: MigrationMode;
  readonly realm: RealmAppProps;
  /** The directory `buildBundles` of `@realm-to-cognito/trigger/build` wrote the three bundles to. */
  readonly bundleDir: string;
  /** Use this pool instead of creating one (see the README for what cannot be enforced on it). */
  readonly existingUserPool?: cognito.IUserPool;
  /** Ignored in `realm-primary`; in `cognito-primary` without it a user not yet in Cognito cannot reset. */
  readonly userDirectory?: UserDirectoryProps;
  readonly passwordPolicy?: MigrationPasswordPolicy;
  /** Required in `realm-primary` (the app's origins); ignored in `cognito-primary`. */
  readonly endpoints?: MigrationEndpointsProps;
  readonly sesIdentity?: SesIdentityProps;
  /** Retention of every log group the construct creates (default one year). */
  readonly logRetention?: logs.RetentionDays;
  /** Self sign-up on a new pool: always closed in `realm-primary`; opt-in in `cognito-primary`. */
  readonly selfSignUp?: boolean;
  /** What happens to a new pool on stack deletion (default RETAIN: it holds the users). */
  readonly userPoolRemovalPolicy?: RemovalPolicy;
  readonly logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

const DEFAULT_PASSWORD_POLICY: Required<MigrationPasswordPolicy> = {
  minLength: 8,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
};
/** Cognito waits 5 s for the trigger in all; the function must be cut off before that. */
const TRIGGER_TIMEOUT = Duration.seconds(4);
const ENDPOINT_TIMEOUT = Duration.seconds(10);
/** The bundles are built for `node22` (packages/trigger/src/build.ts); move both together. */
const RUNTIME = lambda.Runtime.NODEJS_22_X;
const RUNTIME_ACKNOWLEDGMENT = {
  id: "AwsSolutions-L1",
  reason:
    "nodejs22.x is the target the bundles are built and their cold start measured for (build.ts target node22); a newer runtime comes with a rebuild for it, not silently.",
};

/**
 * The whole Realm -> Cognito migration for one pool, with the settings that keep it safe as defaults:
 * a case-insensitive email pool whose id attributes only the backend writes, the User Migration trigger,
 * the phase-1 endpoints behind a throttled HTTP API (realm-primary only), least-privilege roles, and the
 * logs role of CSV import jobs.
 */
export class RealmToCognitoMigration extends Construct {
  readonly userPool: cognito.IUserPool;
  readonly browserClient: cognito.UserPoolClient;
  readonly triggerFunction: lambda.Function;
  /** The pool's Post Confirmation trigger: marks a user who set their password in Cognito. */
  readonly postConfirmationFunction: lambda.Function;
  readonly resetRequestedFunction: lambda.Function | undefined;
  readonly resyncPasswordFunction: lambda.Function | undefined;
  readonly httpApi: apigw.HttpApi | undefined;
  readonly importLogsRole: iam.Role;

  constructor(scope: Construct, id: string, props: RealmToCognitoMigrationProps) {
    super(scope, id);
    checkProps(this, props);
    const policy = { ...DEFAULT_PASSWORD_POLICY, ...props.passwordPolicy };
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;

    const newPool = props.existingUserPool === undefined ? createPool(this, props, policy) : undefined;
    this.userPool = newPool ?? props.existingUserPool!;
    this.browserClient = addBrowserClient(this, this.userPool);

    this.triggerFunction = this.createTrigger(props, policy, retention);
    this.postConfirmationFunction = this.createPostConfirmation(props, policy, retention);
    for (const fn of [this.triggerFunction, this.postConfirmationFunction])
      fn.addPermission("CognitoInvoke", {
        principal: new iam.ServicePrincipal("cognito-idp.amazonaws.com"),
        action: "lambda:InvokeFunction",
        sourceArn: this.userPool.userPoolArn,
        sourceAccount: Stack.of(this).account,
      });
    if (newPool !== undefined) {
      const cfnPool = newPool.node.defaultChild as cognito.CfnUserPool;
      cfnPool.addPropertyOverride("LambdaConfig.UserMigration", this.triggerFunction.functionArn);
      cfnPool.addPropertyOverride("LambdaConfig.PostConfirmation", this.postConfirmationFunction.functionArn);
    } else {
      Annotations.of(this).addWarningV2(
        "realm-to-cognito:existing-pool",
        "existingUserPool: attach TriggerFunctionArn as the pool's User Migration trigger and PostConfirmationFunctionArn as its Post Confirmation trigger yourself, and check with `doctor` what CDK cannot set on an existing pool (case-insensitive usernames, the custom attributes, email changes kept until verified, self sign-up closed, other clients' write attributes).",
      );
      new CfnOutput(this, "TriggerFunctionArn", { value: this.triggerFunction.functionArn });
      new CfnOutput(this, "PostConfirmationFunctionArn", {
        value: this.postConfirmationFunction.functionArn,
      });
    }

    if (props.mode === "realm-primary") {
      const endpoints = props.endpoints!;
      const resetAction = endpoints.onResetRequest ?? "scramble";
      this.resetRequestedFunction = this.createEndpoint(
        "PasswordResetRequested",
        BUNDLE_FILES.passwordResetRequested,
        COGNITO_ACTIONS.passwordResetRequested[resetAction],
        { ...endpointEnv(this, props, policy), [LAMBDA_ENV.onResetRequest]: resetAction },
        props.bundleDir,
        retention,
      );
      this.resyncPasswordFunction = this.createEndpoint(
        "ResyncPassword",
        BUNDLE_FILES.resyncPassword,
        COGNITO_ACTIONS.resyncPassword,
        {
          ...endpointEnv(this, props, policy),
          ...(endpoints.resetTokenLifetime === undefined
            ? {}
            : { [LAMBDA_ENV.resetTokenLifetimeMs]: String(endpoints.resetTokenLifetime.toMilliseconds()) }),
        },
        props.bundleDir,
        retention,
      );
      this.httpApi = createHttpApi(this, endpoints, retention, {
        "/password-reset-requested": this.resetRequestedFunction,
        "/resync-password": this.resyncPasswordFunction,
      });
      new CfnOutput(this, "MigrationApiUrl", { value: this.httpApi.apiEndpoint });
    }

    this.importLogsRole = createImportLogsRole(this);
    new CfnOutput(this, "UserPoolId", { value: this.userPool.userPoolId });
    new CfnOutput(this, "BrowserClientId", { value: this.browserClient.userPoolClientId });
    new CfnOutput(this, "CsvImportLogsRoleArn", {
      value: this.importLogsRole.roleArn,
      description: "for `import --engine csv-job --role-arn`",
    });
  }

  private createTrigger(
    props: RealmToCognitoMigrationProps,
    policy: Required<MigrationPasswordPolicy>,
    retention: logs.RetentionDays,
  ): lambda.Function {
    const directory = props.mode === "cognito-primary" ? props.userDirectory : undefined;
    const extraFiles = directory?.kind === "file" ? [directory.path] : [];
    const environment: Record<string, string> = {
      ...commonEnv(props, policy),
      ...directoryEnv(directory),
    };
    const role = functionRole(this, "TriggerRole");
    const fn = new lambda.Function(this, "Trigger", {
      description: `realm-to-cognito User Migration trigger (${props.mode})`,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: handlerOf(BUNDLE_FILES.userMigration),
      code: lambda.Code.fromAsset(
        stageAsset(this, "Trigger", props.bundleDir, BUNDLE_FILES.userMigration, extraFiles),
      ),
      timeout: TRIGGER_TIMEOUT,
      memorySize: 256,
      role,
      logGroup: functionLogGroup(this, "TriggerLogs", retention, role),
      environment,
      ...(directory?.kind === "admin-api"
        ? {
            paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(
              lambda.ParamsAndSecretsVersions.V1_0_103,
            ),
          }
        : {}),
    });
    Validations.of(fn).acknowledge(RUNTIME_ACKNOWLEDGMENT);
    if (directory?.kind === "admin-api") {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ["secretsmanager:GetSecretValue"],
          resources: [directory.privateKeySecret.secretArn],
        }),
      );
      directory.privateKeySecret.encryptionKey?.grantDecrypt(role);
    }
    // The trigger calls no AWS API: the list is empty on purpose (COGNITO_ACTIONS.userMigration).
    grantCognito(role, this.userPool, COGNITO_ACTIONS.userMigration);
    return fn;
  }

  /**
   * The Post Confirmation trigger. Its role may update attributes on this pool only; the grant is a
   * separate policy, and the pool's id reaches the function in the event, not its environment: the pool
   * names the function (LambdaConfig), so the function, or a policy it waits for, naming the pool would
   * be a circular dependency.
   */
  private createPostConfirmation(
    props: RealmToCognitoMigrationProps,
    policy: Required<MigrationPasswordPolicy>,
    retention: logs.RetentionDays,
  ): lambda.Function {
    const role = functionRole(this, "PostConfirmationRole");
    const fn = new lambda.Function(this, "PostConfirmation", {
      description: "realm-to-cognito Post Confirmation trigger (marks a password set in Cognito)",
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: handlerOf(BUNDLE_FILES.postConfirmation),
      code: lambda.Code.fromAsset(
        stageAsset(this, "PostConfirmation", props.bundleDir, BUNDLE_FILES.postConfirmation, []),
      ),
      timeout: TRIGGER_TIMEOUT,
      memorySize: 256,
      role,
      logGroup: functionLogGroup(this, "PostConfirmationLogs", retention, role),
      environment: { ...commonEnv(props, policy), [LAMBDA_ENV.cognitoRegion]: Stack.of(this).region },
    });
    Validations.of(fn).acknowledge(RUNTIME_ACKNOWLEDGMENT);
    new iam.Policy(this, "PostConfirmationCognito", {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: [...COGNITO_ACTIONS.postConfirmation],
          resources: [this.userPool.userPoolArn],
        }),
      ],
    });
    return fn;
  }

  private createEndpoint(
    id: string,
    bundle: string,
    actions: readonly string[],
    environment: Record<string, string>,
    bundleDir: string,
    retention: logs.RetentionDays,
  ): lambda.Function {
    const role = functionRole(this, `${id}Role`);
    grantCognito(role, this.userPool, actions);
    const fn = new lambda.Function(this, id, {
      description: `realm-to-cognito phase-1 endpoint ${bundle}`,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: handlerOf(bundle),
      code: lambda.Code.fromAsset(stageAsset(this, id, bundleDir, bundle, [])),
      timeout: ENDPOINT_TIMEOUT,
      memorySize: 256,
      role,
      logGroup: functionLogGroup(this, `${id}Logs`, retention, role),
      environment,
    });
    Validations.of(fn).acknowledge(RUNTIME_ACKNOWLEDGMENT);
    return fn;
  }
}

function checkProps(scope: Construct, props: RealmToCognitoMigrationProps): void {
  if (props.mode === "realm-primary") {
    if (props.endpoints === undefined || props.endpoints.allowedOrigins.length === 0)
      throw new MigrationConfigError(
        "endpoints-required",
        "realm-primary deploys the phase-1 endpoints: set endpoints.allowedOrigins to the app's origins",
      );
    if (props.endpoints.allowedOrigins.includes("*"))
      throw new MigrationConfigError(
        "wildcard-origin",
        "endpoints.allowedOrigins must name the app's origins, not *",
      );
    if (props.selfSignUp === true)
      throw new MigrationConfigError(
        "self-sign-up-in-phase-1",
        "selfSignUp must stay closed in realm-primary: anyone could register a Realm user's email first",
      );
  }
  if (props.mode === "cognito-primary" && props.userDirectory === undefined)
    Annotations.of(scope).addWarningV2(
      "realm-to-cognito:no-directory",
      "cognito-primary without userDirectory: a Realm user who is not in Cognito yet cannot reset their password",
    );
  const file = props.userDirectory?.kind === "file" ? props.userDirectory.path : undefined;
  if (props.mode === "cognito-primary" && file !== undefined && !existsSync(file))
    throw new MigrationConfigError(
      "directory-file-missing",
      `userDirectory.path ${file} does not exist: write it with \`realm-to-cognito directory\``,
    );
  for (const bundle of Object.values(BUNDLE_FILES))
    if (!existsSync(path.join(props.bundleDir, bundle)))
      throw new MigrationConfigError(
        "bundle-missing",
        `${bundle} is not in bundleDir ${props.bundleDir}: run buildBundles from @realm-to-cognito/trigger/build first`,
      );
}

function createPool(
  scope: Construct,
  props: RealmToCognitoMigrationProps,
  policy: Required<MigrationPasswordPolicy>,
): cognito.UserPool {
  const idAttribute = () => new cognito.StringAttribute({ mutable: true, minLen: 1, maxLen: 256 });
  const customAttributes = Object.fromEntries(
    BACKEND_ONLY_ATTRIBUTES.map((name) => [name, idAttribute()] as const),
  );
  const ses = props.sesIdentity;
  const pool = new cognito.UserPool(scope, "UserPool", {
    signInAliases: { email: true },
    signInCaseSensitive: false,
    autoVerify: { email: true },
    keepOriginal: { email: true },
    selfSignUpEnabled: props.mode === "cognito-primary" && props.selfSignUp === true,
    standardAttributes: { email: { required: true, mutable: true } },
    customAttributes,
    passwordPolicy: {
      minLength: policy.minLength,
      requireLowercase: policy.requireLowercase,
      requireUppercase: policy.requireUppercase,
      requireDigits: policy.requireDigits,
      requireSymbols: policy.requireSymbols,
    },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    mfa: cognito.Mfa.OPTIONAL,
    mfaSecondFactor: { sms: false, otp: true },
    ...(ses === undefined
      ? {}
      : {
          email: cognito.UserPoolEmail.withSES({
            fromEmail: ses.fromEmail,
            ...(ses.fromName === undefined ? {} : { fromName: ses.fromName }),
            ...(ses.replyTo === undefined ? {} : { replyTo: ses.replyTo }),
            ...(ses.sesRegion === undefined ? {} : { sesRegion: ses.sesRegion }),
            ...(ses.sesVerifiedDomain === undefined ? {} : { sesVerifiedDomain: ses.sesVerifiedDomain }),
            ...(ses.configurationSetName === undefined
              ? {}
              : { configurationSetName: ses.configurationSetName }),
          }),
        }),
    deletionProtection: true,
    removalPolicy: props.userPoolRemovalPolicy ?? RemovalPolicy.RETAIN,
  });
  Validations.of(pool).acknowledge({
    id: "AwsSolutions-COG2",
    reason:
      "MFA is OPTIONAL (TOTP), not REQUIRED: migrated users arrive without a second factor, and requiring one would lock each out at their first Cognito sign-in. Teams enrol users after the migration.",
  });
  Validations.of(pool).acknowledge({
    id: "AwsSolutions-COG8",
    reason:
      "The Plus feature plan (threat protection) is a per-MAU cost the team chooses; the migration's own defences are the trigger's fail-closed answers, hidden user existence and the API's throttling.",
  });
  return pool;
}

/** The browser's app client: password sign-in that reaches the trigger, no secret, no writable ids. */
function addBrowserClient(scope: Construct, pool: cognito.IUserPool): cognito.UserPoolClient {
  return new cognito.UserPoolClient(scope, "BrowserClient", {
    userPool: pool,
    generateSecret: false,
    // USER_PASSWORD_AUTH sends the password, so the trigger can check it with Realm (SRP never does).
    authFlows: { userPassword: true, userSrp: true },
    preventUserExistenceErrors: true,
    enableTokenRevocation: true,
    writeAttributes: new cognito.ClientAttributes().withStandardAttributes({
      email: true,
      fullname: true,
      givenName: true,
      familyName: true,
      nickname: true,
      locale: true,
      timezone: true,
    }),
  });
}

function functionRole(scope: Construct, id: string): iam.Role {
  // Not AWSLambdaBasicExecutionRole (logs on every group of the account): the log group is granted below.
  return new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
}

/** The function's own log group; its role may write there and nowhere else. */
function functionLogGroup(
  scope: Construct,
  id: string,
  retention: logs.RetentionDays,
  role: iam.Role,
): logs.LogGroup {
  const group = new logs.LogGroup(scope, id, { retention, removalPolicy: RemovalPolicy.RETAIN });
  group.grantWrite(role);
  return group;
}

function grantCognito(role: iam.Role, pool: cognito.IUserPool, actions: readonly string[]): void {
  if (actions.length === 0) return;
  role.addToPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [pool.userPoolArn] }));
}

function handlerOf(bundle: string): string {
  return `${bundle.replace(/\.mjs$/, "")}.handler`;
}

/**
 * One bundle (and any data file) per asset, so each function ships only its own code. Staged inside the
 * assembly's output directory (CDK then copies it to `asset.<hash>`), so nothing is left in the system's tmp.
 */
function stageAsset(
  scope: Construct,
  id: string,
  bundleDir: string,
  bundle: string,
  extraFiles: readonly string[],
): string {
  const outdir = Stage.of(scope)?.outdir ?? path.resolve("cdk.out");
  const dir = path.join(outdir, "realm-to-cognito-staging", `${scope.node.addr}-${id}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(bundleDir, bundle), path.join(dir, bundle));
  for (const file of extraFiles) copyFileSync(file, path.join(dir, path.basename(file)));
  return dir;
}

function commonEnv(
  props: RealmToCognitoMigrationProps,
  policy: Required<MigrationPasswordPolicy>,
): Record<string, string> {
  const realm = props.realm;
  const env: Record<string, string> = {
    [LAMBDA_ENV.mode]: props.mode,
    [LAMBDA_ENV.realmAppId]: realm.appId,
    [LAMBDA_ENV.passwordPolicy]: JSON.stringify({
      minimumLength: policy.minLength,
      requireLowercase: policy.requireLowercase,
      requireUppercase: policy.requireUppercase,
      requireNumbers: policy.requireDigits,
      requireSymbols: policy.requireSymbols,
    }),
    [LAMBDA_ENV.logLevel]: props.logLevel ?? "info",
  };
  if (realm.baseUrl !== undefined) env[LAMBDA_ENV.realmBaseUrl] = realm.baseUrl;
  if (realm.skipLocation === true) env[LAMBDA_ENV.realmSkipLocation] = "true";
  if (realm.timeoutMs !== undefined) env[LAMBDA_ENV.realmTimeoutMs] = String(realm.timeoutMs);
  if (realm.mongoIdField !== undefined) env[LAMBDA_ENV.mongoIdField] = realm.mongoIdField;
  if (realm.attributeMapping !== undefined)
    env[LAMBDA_ENV.attributeMapping] = JSON.stringify(realm.attributeMapping);
  return env;
}

function endpointEnv(
  migration: RealmToCognitoMigration,
  props: RealmToCognitoMigrationProps,
  policy: Required<MigrationPasswordPolicy>,
): Record<string, string> {
  return {
    ...commonEnv(props, policy),
    [LAMBDA_ENV.cognitoUserPoolId]: migration.userPool.userPoolId,
    [LAMBDA_ENV.cognitoRegion]: Stack.of(migration).region,
  };
}

function directoryEnv(directory: UserDirectoryProps | undefined): Record<string, string> {
  if (directory === undefined) return { [LAMBDA_ENV.userDirectory]: "none" };
  if (directory.kind === "file")
    return {
      [LAMBDA_ENV.userDirectory]: "snapshot",
      // The asset is unpacked in the function's task root.
      [LAMBDA_ENV.userSnapshotFile]: `/var/task/${path.basename(directory.path)}`,
    };
  return {
    [LAMBDA_ENV.userDirectory]: "admin-api",
    [LAMBDA_ENV.realmGroupId]: directory.groupId,
    [LAMBDA_ENV.realmAppObjectId]: directory.appObjectId,
    [LAMBDA_ENV.realmAdminPublicKey]: directory.publicKey,
    [LAMBDA_ENV.realmAdminPrivateKeySecret]: directory.privateKeySecret.secretArn,
    ...(directory.adminBaseUrl === undefined
      ? {}
      : { [LAMBDA_ENV.realmAdminBaseUrl]: directory.adminBaseUrl }),
  };
}

function createHttpApi(
  scope: Construct,
  endpoints: MigrationEndpointsProps,
  retention: logs.RetentionDays,
  routes: Readonly<Record<string, lambda.IFunction>>,
): apigw.HttpApi {
  const api = new apigw.HttpApi(scope, "MigrationApi", {
    description:
      "realm-to-cognito phase-1 endpoints (anonymous by design: the app calls them before sign-in)",
    createDefaultStage: false,
    corsPreflight: {
      allowOrigins: [...endpoints.allowedOrigins],
      allowMethods: [apigw.CorsHttpMethod.POST],
      allowHeaders: ["content-type"],
      maxAge: Duration.hours(1),
    },
  });
  const accessLogs = new logs.LogGroup(scope, "MigrationApiAccessLogs", {
    retention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  api.addStage("DefaultStage", {
    stageName: "$default",
    autoDeploy: true,
    throttle: { rateLimit: endpoints.rateLimit ?? 10, burstLimit: endpoints.burstLimit ?? 20 },
    accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
  });
  for (const [routePath, fn] of Object.entries(routes)) {
    const routeId = routePath.replace(/[^a-z]/gi, "");
    api.addRoutes({
      path: routePath,
      methods: [apigw.HttpMethod.POST],
      integration: new integrations.HttpLambdaIntegration(`${routeId}Integration`, fn),
    });
  }
  for (const route of api.node.findAll())
    if (route instanceof apigw.HttpRoute)
      Validations.of(route).acknowledge({
        id: "AwsSolutions-APIG4",
        reason:
          "Anonymous by design: the app calls these before the user has a Cognito session (a reset request, a re-sync that Realm verifies). The stage throttle is the global limit and each handler limits per email and per source.",
      });
  return api;
}

/** The role Cognito writes a CSV import job's CloudWatch logs with (CreateUserImportJob requires one). */
function createImportLogsRole(migration: RealmToCognitoMigration): iam.Role {
  const stack = Stack.of(migration);
  const role = new iam.Role(migration, "CsvImportLogsRole", {
    description: "Cognito writes CSV user import job logs with this role (import --engine csv-job)",
    assumedBy: new iam.ServicePrincipal("cognito-idp.amazonaws.com", {
      conditions: {
        StringEquals: { "aws:SourceAccount": stack.account },
        ArnLike: { "aws:SourceArn": migration.userPool.userPoolArn },
      },
    }),
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
      ],
      resources: [
        stack.formatArn({
          service: "logs",
          resource: "log-group",
          resourceName: "/aws/cognito/*",
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  );
  Validations.of(role).acknowledge({
    // Only this finding: any other wildcard on the role still fails the check.
    id: "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/cognito/*]",
    reason:
      "Cognito names each import job's log group and stream itself under /aws/cognito/; the role is assumable only by Cognito for this account and pool.",
  });
  return role;
}
