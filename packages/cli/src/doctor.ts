import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { AdminClient, AuthClient, RealmRejectedError } from "@realm-to-cognito/realm";
import type { CognitoSender } from "./cognito/client.js";
import { checkPoolShape, type PoolCheck } from "./cognito/pool.js";
import { poolReadinessChecks } from "./cognito/pool-readiness.js";
import type { Config } from "./config.js";
import { snapshotPaths } from "./snapshot-file.js";

export interface DoctorCheck {
  readonly area: "config" | "realm" | "admin-api" | "pool" | "modes";
  readonly ok: boolean;
  readonly what: string;
  readonly fix?: string;
}

export interface DoctorReport {
  readonly checks: DoctorCheck[];
  readonly modes: { readonly phase1: boolean; readonly phase2: boolean; readonly phase2Sources: string[] };
  readonly ok: boolean;
}

/**
 * Checks configuration, both ends and the pool's shape, and says which modes are possible now:
 * phase 1 needs Realm's login endpoint to answer (and the trigger and a USER_PASSWORD_AUTH client);
 * phase 2 needs a source of users: a snapshot, the Admin API or the user collection.
 */
export async function runDoctor(options: {
  config: Config;
  cognito?: CognitoSender;
  snapshot?: string;
  fetch?: typeof fetch;
}): Promise<DoctorReport> {
  const { config } = options;
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck): void => {
    checks.push(check);
  };
  add({ area: "config", ok: true, what: `configuration read (ledger ${config.ledger})` });

  let loginAnswers = false;
  if (!config.realm.appId) {
    add({
      area: "realm",
      ok: false,
      what: "no Realm client app id",
      fix: "set realm.appId or REALM_APP_ID (needed for phase 1)",
    });
  } else {
    const auth = new AuthClient({
      appId: config.realm.appId,
      ...(config.realm.baseUrl ? { baseUrl: config.realm.baseUrl } : {}),
      skipLocation: config.realm.skipLocation,
      timeoutMs: 5_000,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    if (!config.realm.skipLocation) {
      try {
        const location = await auth.location();
        add({ area: "realm", ok: true, what: `location answers: ${location.hostname}` });
      } catch (error) {
        add({
          area: "realm",
          ok: false,
          what: `location fails: ${(error as Error).message}`,
          fix: "check realm.baseUrl and realm.appId",
        });
      }
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
      });
    } catch (error) {
      if (error instanceof RealmRejectedError && error.status === 401) {
        loginAnswers = true;
        add({
          area: "realm",
          ok: true,
          what: `login endpoint answers (401 ${error.errorCode || "unauthorized"} for an unknown user)`,
        });
      } else
        add({
          area: "realm",
          ok: false,
          what: `login endpoint does not answer: ${(error as Error).message}`,
          fix: "phase 1 is impossible until a server answers the App Services client API (hosted or self-hosted)",
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
      await new AdminClient({
        groupId,
        appObjectId,
        publicKey,
        privateKey,
        ...((config.realm.adminBaseUrl ?? config.realm.baseUrl)
          ? { baseUrl: config.realm.adminBaseUrl ?? config.realm.baseUrl }
          : {}),
        readAttempts: 1,
        timeoutMs: 5_000,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }).checkCredentials();
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
  if (!config.cognito.userPoolId || !options.cognito) {
    add({
      area: "pool",
      ok: false,
      what: "no user pool configured",
      fix: "set cognito.userPoolId or COGNITO_USER_POOL_ID",
    });
  } else {
    try {
      poolChecks = await checkPoolShape(options.cognito, config.cognito.userPoolId, config.cognito.clientId);
      for (const check of poolChecks) add({ area: "pool", ...check });
      for (const check of await poolReadinessChecks({
        client: options.cognito,
        userPoolId: config.cognito.userPoolId,
        clientId: config.cognito.clientId,
        snapshotManifest: options.snapshot && snapshotPaths(options.snapshot).manifest,
        needs: { adminUserPasswordAuth: config.cognito.adminUserPasswordAuth },
      }))
        add({ area: "pool", ...check });
    } catch (error) {
      add({
        area: "pool",
        ok: false,
        what: `DescribeUserPool fails: ${(error as Error).message}`,
        fix: "check the pool id, region, endpoint and AWS credentials",
      });
    }
  }

  const poolOk = (what: RegExp) => poolChecks.some((check) => check.ok && what.test(check.what));
  const phase1 = loginAnswers && poolOk(/UserMigration trigger/) && poolOk(/USER_PASSWORD_AUTH/);
  const phase2Sources = [
    options.snapshot && existsSync(options.snapshot) ? `snapshot ${options.snapshot}` : undefined,
    adminWorks ? "Admin API" : undefined,
    config.secrets.mongodbUri ? "user collection (MONGODB_URI)" : undefined,
  ].filter((source): source is string => source !== undefined);
  const phase2 = phase2Sources.length > 0 && config.cognito.userPoolId !== undefined;
  add({
    area: "modes",
    ok: phase1,
    what: phase1 ? "phase 1 (realm-primary) is possible" : "phase 1 (realm-primary) is not possible now",
    ...(phase1
      ? {}
      : {
          fix: "needs Realm's login endpoint answering, the UserMigration trigger and a USER_PASSWORD_AUTH app client",
        }),
  });
  add({
    area: "modes",
    ok: phase2,
    what: phase2
      ? `phase 2 (cognito-primary) is possible from: ${phase2Sources.join(", ")}`
      : "phase 2 has no source of users",
    ...(phase2 ? {} : { fix: "export a snapshot, configure the Admin API, or set MONGODB_URI" }),
  });
  return { checks, modes: { phase1, phase2, phase2Sources }, ok: checks.every((check) => check.ok) };
}
