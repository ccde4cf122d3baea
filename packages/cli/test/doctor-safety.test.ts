// doctor against cognito-local through the real SDK: each pool-safety check (issues 11 and 12) fails on
// an unsafe pool and passes on a safe one; doctor is read-only and honest about modes (issue 16 item 2).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  CreateUserPoolCommand,
  type CreateUserPoolCommandInput,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  UpdateUserPoolClientCommand,
  type UpdateUserPoolClientCommandInput,
  type UserPoolType,
} from "@aws-sdk/client-cognito-identity-provider";
import { type AppServicesEmulator, startAppServicesEmulator } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CognitoSender } from "../src/cognito/client.js";
import { doctorCommand } from "../src/commands/doctor.js";
import type { Config } from "../src/config.js";
import { type DoctorCheck, type DoctorReport, runDoctor } from "../src/doctor.js";
import { createServices } from "../src/services.js";
import { tempDir } from "./helpers.js";
import { type CliSandbox, startCliSandbox } from "./sandbox.js";

const services = createServices();

let sandbox: CliSandbox;
let cognito: CognitoIdentityProviderClient;
let doctorsClient: CognitoSender;

beforeAll(async () => {
  sandbox = await startCliSandbox({ users: 4 });
  cognito = sandbox.cognito.client();
  doctorsClient = describingUpdateSettings(cognito, sandbox.cognitoDir);
});

/**
 * cognito-local keeps a pool's UserAttributeUpdateSettings (CreateUserPool stores them and
 * UpdateUserAttributes enforces them) but its DescribeUserPool leaves them out, where Cognito returns
 * them: this puts back what cognito-local stored, read from its own data file.
 */
function describingUpdateSettings(client: CognitoIdentityProviderClient, dataDir: string): CognitoSender {
  return {
    send: async (command: Parameters<CognitoSender["send"]>[0]) => {
      const output = await client.send(command as never);
      if (!(command instanceof DescribeUserPoolCommand)) return output;
      const pool = (output as { UserPool?: UserPoolType }).UserPool;
      if (pool?.Id === undefined || pool.UserAttributeUpdateSettings !== undefined) return output;
      const stored = JSON.parse(readFileSync(join(dataDir, ".cognito", "db", `${pool.Id}.json`), "utf8")) as {
        Options?: { UserAttributeUpdateSettings?: UserPoolType["UserAttributeUpdateSettings"] };
      };
      const settings = stored.Options?.UserAttributeUpdateSettings;
      return settings ? { ...output, UserPool: { ...pool, UserAttributeUpdateSettings: settings } } : output;
    },
  } as CognitoSender;
}
afterAll(() => sandbox?.stop());

const SAFE_POOL: Omit<CreateUserPoolCommandInput, "PoolName"> = {
  UsernameAttributes: ["email"],
  UsernameConfiguration: { CaseSensitive: false },
  AutoVerifiedAttributes: ["email"],
  AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
  UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ["email"] },
  Schema: ["realm_user_id", "mongo_id", "migration_state", "reset_requested_at"].map((name) => ({
    Name: name,
    AttributeDataType: "String",
    Mutable: name === "migration_state" || name === "reset_requested_at",
  })),
  LambdaConfig: { UserMigration: "arn:aws:lambda:us-east-1:000000000000:function:realm-user-migration" },
};

const SAFE_CLIENT: Omit<CreateUserPoolClientCommandInput, "UserPoolId" | "ClientName"> = {
  GenerateSecret: false,
  ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  WriteAttributes: ["email", "name"],
  PreventUserExistenceErrors: "ENABLED",
};

/** A pool shaped as phase 1 needs, with `pool` and `client` overriding parts of it. */
async function createPool(
  pool: Partial<CreateUserPoolCommandInput> = {},
  client: Partial<CreateUserPoolClientCommandInput> = {},
): Promise<{ userPoolId: string; clientId: string }> {
  const created = await cognito.send(
    new CreateUserPoolCommand({ PoolName: `doctor-${Date.now()}`, ...SAFE_POOL, ...pool }),
  );
  const userPoolId = created.UserPool!.Id!;
  const app = await cognito.send(
    new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: "web", ...SAFE_CLIENT, ...client }),
  );
  return { userPoolId, clientId: app.UserPoolClient!.ClientId! };
}

/** UpdateUserPoolClient as an operator would: the whole configuration sent again, one thing changed. */
async function updateClient(
  ids: { userPoolId: string; clientId: string },
  change: Partial<UpdateUserPoolClientCommandInput>,
): Promise<void> {
  const { UserPoolClient: current } = await cognito.send(
    new DescribeUserPoolClientCommand({ UserPoolId: ids.userPoolId, ClientId: ids.clientId }),
  );
  await cognito.send(
    new UpdateUserPoolClientCommand({
      UserPoolId: ids.userPoolId,
      ClientId: ids.clientId,
      ExplicitAuthFlows: current?.ExplicitAuthFlows,
      ...(current?.WriteAttributes ? { WriteAttributes: current.WriteAttributes } : {}),
      ...(current?.ReadAttributes ? { ReadAttributes: current.ReadAttributes } : {}),
      ...(current?.PreventUserExistenceErrors
        ? { PreventUserExistenceErrors: current.PreventUserExistenceErrors }
        : {}),
      ...change,
    }),
  );
}

function doctor(
  ids: { userPoolId?: string; clientId?: string },
  extra: { mode?: "realm-primary" | "cognito-primary"; config?: Config; fetch?: typeof fetch } = {},
): Promise<DoctorReport> {
  return runDoctor({
    config: extra.config ?? sandbox.config(ids),
    cognito: doctorsClient,
    ...(extra.mode ? { mode: extra.mode } : {}),
    realm: createServices(extra.fetch ? { fetch: extra.fetch } : {}),
  });
}

const failed = (report: DoctorReport): DoctorCheck[] => report.checks.filter((check) => !check.ok);
const find = (report: DoctorReport, what: RegExp): DoctorCheck[] =>
  report.checks.filter((check) => what.test(check.what));

describe("doctor's pool safety checks", () => {
  it("pass on a safe pool, where both modes are possible", async () => {
    const ids = await createPool();
    const report = await doctor(ids);
    expect(failed(report)).toEqual([]);
    expect(report.modes).toMatchObject({ phase1: true, phase2: true });
    expect(find(report, /self sign-up is closed/)).toHaveLength(1);
    expect(
      find(
        report,
        /cannot write custom:realm_user_id, custom:mongo_id, custom:migration_state, custom:reset_requested_at/,
      ),
    ).toHaveLength(1);
    expect(find(report, /email change waits for the new address to be verified/)).toHaveLength(1);
  });

  it("(a) fail on open self sign-up while realm-primary, naming AllowAdminCreateUserOnly; phase 1 impossible", async () => {
    const ids = await createPool({ AdminCreateUserConfig: { AllowAdminCreateUserOnly: false } });
    const report = await doctor(ids);
    expect(failed(report).filter((check) => check.area === "pool")).toEqual([
      expect.objectContaining({
        what: expect.stringContaining("self sign-up is open"),
        fix: expect.stringContaining("AdminCreateUserConfig.AllowAdminCreateUserOnly to true"),
      }),
    ]);
    expect(report.modes).toMatchObject({ phase1: false, phase2: true });
    // Told the deployment is cognito-primary, an open sign-up is a warning only.
    const later = await doctor(ids, { mode: "cognito-primary" });
    expect(find(later, /self sign-up is open/)).toEqual([expect.objectContaining({ ok: true, warn: true })]);
    expect(later.modes).toMatchObject({ phase1: true, phase2: true });
  });

  it("(b) fail on an app client without WriteAttributes (Cognito's default: all writable), also a second client", async () => {
    const ids = await createPool({}, { WriteAttributes: undefined });
    const report = await doctor(ids);
    expect(failed(report).filter((check) => check.area === "pool")).toEqual([
      expect.objectContaining({
        what: expect.stringContaining(`app client ${ids.clientId} has no WriteAttributes`),
        fix: expect.stringContaining(
          "leaving out custom:realm_user_id, custom:mongo_id, custom:migration_state, custom:reset_requested_at",
        ),
      }),
    ]);
    expect(report.modes).toMatchObject({ phase1: false, phase2: false });

    // A safe configured client does not hide an unsafe second one: every client can call SignUp.
    const safe = await createPool();
    const second = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: safe.userPoolId,
        ClientName: "admin-tool",
        GenerateSecret: false,
      }),
    );
    const both = await doctor(safe);
    expect(failed(both).filter((check) => check.area === "pool")).toEqual([
      expect.objectContaining({
        what: expect.stringContaining(`app client ${second.UserPoolClient!.ClientId}`),
      }),
    ]);
  });

  it("(b) fail when UpdateUserPoolClient makes an id attribute writable; warn on email_verified; fail on ReadAttributes without the id", async () => {
    const ids = await createPool();
    await updateClient(ids, { WriteAttributes: ["email", "custom:realm_user_id", "custom:mongo_id"] });
    const writable = await doctor(ids);
    expect(failed(writable).filter((check) => check.area === "pool")).toEqual([
      expect.objectContaining({
        what: expect.stringContaining("lets users write custom:realm_user_id, custom:mongo_id"),
        fix: expect.stringContaining(
          "remove custom:realm_user_id, custom:mongo_id from the app client's WriteAttributes",
        ),
      }),
    ]);
    expect(writable.modes.phase1).toBe(false);

    await updateClient(ids, { WriteAttributes: ["email", "email_verified"] });
    const verified = await doctor(ids);
    expect(failed(verified)).toEqual([]);
    expect(find(verified, /lets users write email_verified/)).toEqual([
      expect.objectContaining({ ok: true, warn: true }),
    ]);

    await updateClient(ids, { WriteAttributes: ["email"], ReadAttributes: ["email", "email_verified"] });
    const unreadable = await doctor(ids);
    expect(failed(unreadable).filter((check) => check.area === "pool")).toEqual([
      expect.objectContaining({
        fix: expect.stringContaining("add custom:realm_user_id to the app client's ReadAttributes"),
      }),
    ]);
    await updateClient(ids, { ReadAttributes: ["email", "custom:realm_user_id"] });
    expect(failed(await doctor(ids))).toEqual([]);
  });

  it("(c) fail when an email change applies unverified, naming AttributesRequireVerificationBeforeUpdate", async () => {
    const ids = await createPool({ UserAttributeUpdateSettings: undefined });
    const report = await doctor(ids);
    expect(failed(report).filter((check) => check.area === "pool")).toEqual([
      expect.objectContaining({
        fix: expect.stringContaining('AttributesRequireVerificationBeforeUpdate to ["email"]'),
      }),
    ]);
    expect(report.modes).toMatchObject({ phase1: false, phase2: false });
  });

  it("(d, e) fail on a missing custom:migration_state; never suggest making the id attributes mutable", async () => {
    const ids = await createPool({
      Schema: ["realm_user_id", "mongo_id"].map((name) => ({ Name: name, AttributeDataType: "String" })),
    });
    const report = await doctor(ids);
    expect(failed(report).filter((check) => check.area === "pool")).toEqual([
      expect.objectContaining({ what: "custom attribute custom:migration_state is missing" }),
    ]);
    const noIds = await doctor(
      await createPool({ Schema: [{ Name: "migration_state", AttributeDataType: "String", Mutable: true }] }),
    );
    const idFixes = failed(noIds)
      .filter((check) => /custom:(realm_user_id|mongo_id) is missing/.test(check.what))
      .map((check) => check.fix ?? "");
    expect(idFixes).toHaveLength(2);
    for (const fix of idFixes) {
      expect(fix).not.toMatch(/mutable/i);
      expect(fix).toContain("WriteAttributes");
    }
  });
});

describe("doctor and the reset request's time (custom:reset_requested_at)", () => {
  // The reset endpoint records when a reset was requested; re-sync refuses the user until Realm's reset
  // link has expired. It is the backend's record, like the other marks: a user-written time would move
  // that wait (the global sign-out at a reset request already stops a signed-in attacker; this is the
  // second lock), so no app client may write it.
  it("fails an app client that can write custom:reset_requested_at, naming it", async () => {
    const ids = await createPool({}, { WriteAttributes: ["email", "name", "custom:reset_requested_at"] });
    const report = await doctor(ids);
    expect(failed(report).filter((check) => check.area === "pool")).toEqual([
      expect.objectContaining({
        what: expect.stringContaining(
          `app client ${ids.clientId} lets users write custom:reset_requested_at`,
        ),
        fix: expect.stringContaining(
          "remove custom:reset_requested_at from the app client's WriteAttributes",
        ),
      }),
    ]);
    expect(report.modes).toMatchObject({ phase1: false });
  });

  it("warns (re-sync falls back to the user's last change) when the pool lacks custom:reset_requested_at", async () => {
    const ids = await createPool({
      Schema: ["realm_user_id", "mongo_id", "migration_state"].map((name) => ({
        Name: name,
        AttributeDataType: "String",
        Mutable: name === "migration_state",
      })),
    });
    const report = await doctor(ids);
    expect(failed(report).filter((check) => check.area === "pool")).toEqual([]);
    expect(find(report, /custom:reset_requested_at is missing/)).toEqual([
      expect.objectContaining({
        ok: true,
        warn: true,
        fix: expect.stringContaining("AddCustomAttributes reset_requested_at (String, mutable"),
      }),
    ]);
  });
});

describe("doctor and flowerbase", () => {
  it("(f) warns when the server answers deployment_model LOCAL, naming AUTH_LOGIN_MAX_ATTEMPTS", async () => {
    const ids = await createPool();
    // The emulator answers GLOBAL as Realm does; flowerbase's answer is put in its place.
    const asFlowerbase: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith("/location")) return response;
      const body = { ...((await response.json()) as object), deployment_model: "LOCAL" };
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    };
    const report = await doctor(ids, { fetch: asFlowerbase });
    expect(find(report, /deployment_model LOCAL/)).toEqual([
      expect.objectContaining({
        ok: true,
        warn: true,
        fix: expect.stringMatching(/AUTH_LOGIN_MAX_ATTEMPTS.*AUTH_RATE_LIMIT_WINDOW_MS/),
      }),
    ]);
    expect(find(await doctor(ids), /deployment_model LOCAL/)).toEqual([]);
  });

  it("(f) a login probe answered 429 says the server's login limit is hit: phase 1 impossible", async () => {
    let limited: AppServicesEmulator | undefined;
    try {
      limited = await startAppServicesEmulator({ loginLimitPerAddress: { max: 0, windowMs: 900_000 } });
      const ids = await createPool();
      const config = sandbox.config(ids);
      const limitedConfig = {
        ...config,
        realm: { ...config.realm, appId: limited.appId, baseUrl: limited.baseUrl },
      };
      Object.defineProperty(limitedConfig, "secrets", { value: config.secrets, enumerable: false });
      const report = await doctor(ids, { config: limitedConfig as Config });
      expect(find(report, /429/)).toEqual([
        expect.objectContaining({ ok: false, fix: expect.stringContaining("AUTH_LOGIN_MAX_ATTEMPTS") }),
      ]);
      expect(report.modes.phase1).toBe(false);
    } finally {
      await limited?.stop();
    }
  });
});

describe("doctor is read-only and honest (issue 16 item 2)", () => {
  it("calls no mode possible when the pool does not exist", async () => {
    const report = await doctor({ userPoolId: "us-east-1_doesNotExist" });
    expect(report.modes).toMatchObject({ phase1: false, phase2: false });
    expect(failed(report).some((check) => check.what.startsWith("DescribeUserPool fails"))).toBe(true);
  });

  it("says which configuration file it read, or that none was given", async () => {
    const none = await doctorCommand(services, { config: sandbox.config() }, {});
    expect(none.checks[0]).toMatchObject({
      area: "config",
      what: expect.stringMatching(/^no configuration file/),
    });
    const read = await doctorCommand(
      services,
      { config: sandbox.config() },
      { configFile: "migration.json" },
    );
    expect(read.checks[0]?.what).toContain("configuration file migration.json read");
  });

  it("creates no file in the working directory, run as the command with the sandbox's settings", async () => {
    const ids = await createPool();
    const cwd = tempDir("r2c-doctor-cwd-");
    const config = join(cwd, "..", `${cwd.split("/").pop()}-config.json`);
    writeFileSync(config, JSON.stringify({ cognito: { userPoolId: ids.userPoolId } }));
    const root = resolve(import.meta.dirname, "../../..");
    // Asynchronously: the emulator and cognito-local answer from this process.
    const child = spawn(
      join(root, "node_modules/.bin/tsx"),
      [join(root, "packages/cli/src/main.ts"), "--config", config, "doctor"],
      {
        cwd,
        env: { ...process.env, ...sandbox.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      },
    );
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += String(chunk);
    });
    await new Promise((resolve) => child.on("close", resolve));
    const run = { stdout };
    expect(readdirSync(cwd)).toEqual([]);
    expect(run.stdout).toContain(`configuration file ${config} read`);
    expect(run.stdout).toMatch(/ledger realm-to-cognito\.ledger\.db does not exist yet/);
  });
});
