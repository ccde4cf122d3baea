import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AddCustomAttributesCommand,
  SetUserPoolMfaConfigCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { type CognitoLocal, createProductionShapedPool, startCognitoLocal } from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mfaColumn, readPoolImportSettings } from "../src/cognito/import-settings.js";

const verified = { attributes: { email: "a@b.co", email_verified: "true" } };
const unverified = { attributes: { email: "a@b.co", email_verified: "false" } };

describe("cognito:mfa_enabled per the pool's MFA configuration", () => {
  it("is false on OFF and on OPTIONAL", () => {
    expect(mfaColumn({ configuration: "OFF" }, verified)).toEqual({ value: "false" });
    expect(
      mfaColumn(
        { configuration: "OPTIONAL", factors: { sms: false, softwareToken: true, email: false } },
        verified,
      ),
    ).toEqual({ value: "false" });
  });

  it("is true on ON when the user can complete MFA, and explains a refusal when they cannot", () => {
    const totp = { configuration: "ON" as const, factors: { sms: false, softwareToken: true, email: false } };
    expect(mfaColumn(totp, unverified)).toEqual({ value: "true" });
    const email = {
      configuration: "ON" as const,
      factors: { sms: false, softwareToken: false, email: true },
    };
    expect(mfaColumn(email, verified)).toEqual({ value: "true" });
    const refused = mfaColumn(email, unverified);
    expect(refused).toMatchObject({ refusal: expect.stringContaining("could never sign in") });
    const sms = { configuration: "ON" as const, factors: { sms: true, softwareToken: false, email: false } };
    expect(mfaColumn(sms, verified)).toMatchObject({ refusal: expect.stringContaining("SMS") });
    expect(mfaColumn({ configuration: "ON" }, verified)).toMatchObject({
      refusal: expect.stringContaining("GetUserPoolMfaConfig"),
    });
  });
});

describe("the pool's import settings, read from cognito-local", () => {
  let cognito: CognitoLocal;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "r2c-settings-"));
    cognito = await startCognitoLocal({ dataDir: dir });
  });
  afterAll(async () => {
    await cognito.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads MFA ON with the authenticator-app factor, and whether custom:migration_state exists", async () => {
    const client = cognito.client();
    const { userPoolId } = await createProductionShapedPool(client);
    expect((await readPoolImportSettings(client, userPoolId)).mfa).toEqual({ configuration: "OFF" });
    await client.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: userPoolId,
        MfaConfiguration: "ON",
        SoftwareTokenMfaConfiguration: { Enabled: true },
      }),
    );
    const before = await readPoolImportSettings(client, userPoolId);
    if (!before.migrationStateAttribute)
      await client.send(
        new AddCustomAttributesCommand({
          UserPoolId: userPoolId,
          CustomAttributes: [{ Name: "migration_state", AttributeDataType: "String", Mutable: true }],
        }),
      );
    const settings = await readPoolImportSettings(client, userPoolId);
    expect(settings.migrationStateAttribute).toBe(true);
    expect(settings.mfa).toMatchObject({ configuration: "ON", factors: { softwareToken: true } });
    expect(mfaColumn(settings.mfa, unverified)).toEqual({ value: "true" });
  });
});
