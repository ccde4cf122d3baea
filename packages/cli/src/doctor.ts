import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { DescribeUserPoolCommand, type UserPoolType } from "@aws-sdk/client-cognito-identity-provider";
import { RealmRejectedError } from "@realm-to-cognito/realm";
import type { CognitoSender } from "./cognito/client.js";
import { checkPoolShape, type PoolCheck } from "./cognito/pool.js";
import { poolReadinessChecks } from "./cognito/pool-readiness.js";
import { FLOWERBASE_LOGIN_LIMIT_FIX, type MigrationPhase, poolSafetyChecks } from "./cognito/pool-safety.js";
import type { Config } from "./config.js";
import type { Services } from "./services.js";
import { snapshotPaths } from "./snapshot-file.js";

export interface DoctorCheck {
  readonly area: "config" | "realm" | "admin-api" | "pool" | "modes";
  readonly ok: boolean;
  readonly what: string;
  readonly fix?: string;
  /** Passed, but worth the operator's attention (shown as WARN). */
  readonly warn?: boolean;
  /** The modes that cannot run while this check fails. */
  readonly needs?: readonly MigrationPhase[];
}

const BOTH: readonly MigrationPhase[] = ["phase1", "phase2"];

export interface DoctorReport {
  readonly checks: DoctorCheck[];
  readonly modes: { readonly phase1: boolean; readonly phase2: boolean; readonly phase2Sources: string[] };
  readonly ok: boolean;
}

/**
 * Checks configuration, both ends, the pool's shape and safety, and says which modes are possible now:
 * a mode is possible only when every check it needs passed (a pool that cannot be described fails
 * both). Phase 1 needs Realm's login endpoint, the trigger, a USER_PASSWORD_AUTH client and a pool no
 * user can turn against another; phase 2 needs a source of users and the pool. Read-only: it creates
 * no file (not even the ledger) and changes nothing in the pool.
 */
export async function runDoctor(options: {
  config: Config;
  cognito?: CognitoSender;
  /** Builds the Realm clients the checks call. */
  realm: Pick<Services, "realmAdmin" | "realmAuth">;
  snapshot?: string;
  /** The configuration file that was read, if any (said in the report). */
  configFile?: string;
  /** The mode the deployment runs in, when the operator says it (self sign-up matters in realm-primary). */
  mode?: "realm-primary" | "cognito-primary";
}): Promise<DoctorReport> {
  const { config } = options;
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck): void => {
    checks.push(check);
  };
  add({
    area: "config",
    ok: true,
    what: options.configFile
      ? `configuration file ${options.configFile} read, then the environment and flags`
      : "no configuration file given (--config): settings from the environment, flags and defaults only",
  });
  add({
    area: "config",
    ok: true,
    what: `ledger ${config.ledger} ${existsSync(config.ledger) ? "exists" : "does not exist yet (plan or import creates it)"}`,
  });

  let loginAnswers = false;
  if (!config.realm.appId) {
    add({
      area: "realm",
      ok: false,
      what: "no Realm client app id",
      fix: "set realm.appId or REALM_APP_ID (needed for phase 1)",
      needs: ["phase1"],
    });
  } else {
    const auth = options.realm.realmAuth(config, { timeoutMs: 5_000 });
    if (!config.realm.skipLocation) {
      try {
        const location = await auth.location();
        add({ area: "realm", ok: true, what: `location answers: ${location.hostname}` });
        if (location.deploymentModel === "LOCAL") add(flowerbaseWarning());
      } catch (error) {
        add({
          area: "realm",
          ok: false,
          what: `location fails: ${(error as Error).message}`,
          fix: "check realm.baseUrl and realm.appId",
          needs: ["phase1"],
        });
      }
    } else {
      // A self-hosted server is asked anyway, only to tell flowerbase (deployment_model LOCAL) apart.
      const location = await auth.location().catch(() => undefined);
      if (location?.deploymentModel === "LOCAL") add(flowerbaseWarning());
    }
    // A login for a user that cannot exist: 401 InvalidPassword means the endpoint checks passwords.
    const probeEmail = `doctor-probe-${randomBytes(6).toString("hex")}@invalid.example`;
    try {
      await auth.login(probeEmail, randomBytes(18).toString("base64url"));
      add({
        area: "realm",
        ok: false,
        what: "login accepted a user that cannot exist",
        fix: "realm.baseUrl does not point at App Services",
        needs: ["phase1"],
      });
    } catch (error) {
      if (error instanceof RealmRejectedError && error.status === 401) {
        loginAnswers = true;
        add({
          area: "realm",
          ok: true,
          what: `login endpoint answers (401 ${error.errorCode || "unauthorized"} for an unknown user)`,
        });
      } else if ((error as { status?: unknown }).status === 429)
        add({
          area: "realm",
          ok: false,
          what: "login probe answered 429 Too many requests: the server's per-address login limit is hit, and the trigger's logins would be refused the same way",
          fix: FLOWERBASE_LOGIN_LIMIT_FIX,
          needs: ["phase1"],
        });
      else
        add({
          area: "realm",
          ok: false,
          what: `login endpoint does not answer: ${(error as Error).message}`,
          fix: "phase 1 is impossible until a server answers the App Services client API (hosted or self-hosted)",
          needs: ["phase1"],
        });
    }
  }

  let adminWorks = false;
  const { groupId, appObjectId, publicKey } = config.realm;
  const privateKey = config.secrets.realmAdminPrivateKey;
  if (!groupId || !appObjectId || !publicKey || !privateKey) {
    const missing = [
      !groupId && "realm.groupId",
      !appObjectId && "realm.appObjectId",
      !publicKey && "realm.publicKey",
      !privateKey && "REALM_ADMIN_PRIVATE_KEY (environment)",
    ].filter(Boolean);
    add({ area: "admin-api", ok: false, what: "Admin API not configured", fix: `set ${missing.join(", ")}` });
  } else {
    try {
      await options.realm.realmAdmin(config, { readAttempts: 1, timeoutMs: 5_000 }).checkCredentials();
      adminWorks = true;
      add({ area: "admin-api", ok: true, what: "Admin API key works" });
    } catch (error) {
      add({
        area: "admin-api",
        ok: false,
        what: `Admin API login fails: ${(error as Error).message}`,
        fix: "check the API key and its project access",
      });
    }
  }

  let poolChecks: PoolCheck[] = [];
  let poolDescribed = false;
  if (!config.cognito.userPoolId || !options.cognito) {
    add({
      area: "pool",
      ok: false,
      what: "no user pool configured",
      fix: "set cognito.userPoolId or COGNITO_USER_POOL_ID",
      needs: BOTH,
    });
  } else {
    const client = options.cognito;
    const userPoolId = config.cognito.userPoolId;
    let pool: UserPoolType | undefined;
    try {
      pool = (await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }))).UserPool;
      poolDescribed = pool !== undefined;
    } catch (error) {
      add({
        area: "pool",
        ok: false,
        what: `DescribeUserPool fails: ${(error as Error).message}`,
        fix: "check the pool id, region, endpoint and AWS credentials",
        needs: BOTH,
      });
    }
    if (poolDescribed)
      try {
        poolChecks = await checkPoolShape(client, userPoolId, config.cognito.clientId);
        for (const check of poolChecks) add({ area: "pool", ...check, needs: phasesOfShapeCheck(check) });
        for (const check of await poolReadinessChecks({
          client,
          userPoolId,
          clientId: config.cognito.clientId,
          snapshotManifest: options.snapshot && snapshotPaths(options.snapshot).manifest,
          needs: { adminUserPasswordAuth: config.cognito.adminUserPasswordAuth },
        }))
          add({ area: "pool", ...check, needs: /email sender/.test(check.what) ? ["phase2"] : BOTH });
        for (const check of await poolSafetyChecks({
          client,
          userPoolId,
          pool,
          ...(options.mode ? { mode: options.mode } : {}),
        }))
          add({ area: "pool", ...check });
      } catch (error) {
        add({
          area: "pool",
          ok: false,
          what: `reading the pool's app clients fails: ${(error as Error).message}`,
          fix: "check the AWS credentials allow cognito-idp:ListUserPoolClients and DescribeUserPoolClient",
          needs: BOTH,
        });
      }
  }

  const poolOk = (what: RegExp) => poolChecks.some((check) => check.ok && what.test(check.what));
  const allPassed = (phase: MigrationPhase) =>
    checks.every((check) => check.ok || !(check.needs ?? []).includes(phase));
  const phase2Sources = [
    options.snapshot && existsSync(options.snapshot) ? `snapshot ${options.snapshot}` : undefined,
    adminWorks ? "Admin API" : undefined,
    config.secrets.mongodbUri ? "user collection (MONGODB_URI)" : undefined,
  ].filter((source): source is string => source !== undefined);
  const phase1 =
    loginAnswers &&
    poolDescribed &&
    poolOk(/UserMigration trigger/) &&
    poolOk(/USER_PASSWORD_AUTH/) &&
    allPassed("phase1");
  const phase2 = phase2Sources.length > 0 && poolDescribed && allPassed("phase2");
  const failedFor = (phase: MigrationPhase) =>
    checks.filter((check) => !check.ok && (check.needs ?? []).includes(phase)).length;
  add({
    area: "modes",
    ok: phase1,
    what: phase1
      ? "phase 1 (realm-primary) is possible"
      : `phase 1 (realm-primary) is not possible now${failedFor("phase1") ? ` (${failedFor("phase1")} of the checks it needs failed)` : ""}`,
    ...(phase1
      ? {}
      : {
          fix: "fix the checks above; phase 1 needs Realm's login endpoint answering, the pool, the UserMigration trigger, a USER_PASSWORD_AUTH app client and a pool no user can turn against another",
        }),
  });
  add({
    area: "modes",
    ok: phase2,
    what: phase2
      ? `phase 2 (cognito-primary) is possible from: ${phase2Sources.join(", ")}`
      : phase2Sources.length === 0
        ? "phase 2 has no source of users"
        : `phase 2 (cognito-primary) is not possible now (${failedFor("phase2")} of the checks it needs failed)`,
    ...(phase2
      ? {}
      : {
          fix:
            phase2Sources.length === 0
              ? "export a snapshot, configure the Admin API, or set MONGODB_URI"
              : "fix the checks above that phase 2 needs (the pool and its settings)",
        }),
  });
  return { checks, modes: { phase1, phase2, phase2Sources }, ok: checks.every((check) => check.ok) };
}

// The shape checks each mode needs: the trigger and the password flow only phase 1, the rest both.
function phasesOfShapeCheck(check: PoolCheck): readonly MigrationPhase[] {
  if (/UserMigration trigger|USER_PASSWORD_AUTH|app client/.test(check.what)) return ["phase1"];
  return BOTH;
}

function flowerbaseWarning(): DoctorCheck {
  return {
    area: "realm",
    ok: true,
    warn: true,
    what: "the server answers deployment_model LOCAL (flowerbase): it limits logins per client address (AUTH_LOGIN_MAX_ATTEMPTS, default 10 per AUTH_RATE_LIMIT_WINDOW_MS 900000), and every trigger login comes from Lambda's few addresses",
    fix: FLOWERBASE_LOGIN_LIMIT_FIX,
  };
}
