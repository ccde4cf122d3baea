import type { MigrationMode } from "@realm-to-cognito/core";
import { App, Stack } from "aws-cdk-lib";
import { RealmToCognitoMigration } from "./migration.js";

export const EXAMPLE_STACK_NAME = "RealmToCognitoMigration";

/**
 * The example app `npm run synth` writes: the construct with its defaults, for an environment-agnostic
 * stack (no account, no Region, so synthesis needs no AWS call). Only what has no default is given.
 */
export function exampleApp(options: {
  readonly mode: MigrationMode;
  readonly bundleDir: string;
  readonly outdir?: string;
  readonly userDirectoryFile?: string;
}): { app: App; stack: Stack; migration: RealmToCognitoMigration } {
  const app = new App({
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
    // Records each asset's source path on its resource, as the CDK CLI does (tests read it).
    context: { "aws:cdk:enable-asset-metadata": true },
  });
  const stack = new Stack(app, EXAMPLE_STACK_NAME, {
    description: `realm-to-cognito migration (${options.mode})`,
  });
  const migration = new RealmToCognitoMigration(stack, "Migration", {
    mode: options.mode,
    realm: { appId: "myapp-abcde" },
    bundleDir: options.bundleDir,
    endpoints: { allowedOrigins: ["https://app.example.com"] },
    ...(options.userDirectoryFile === undefined
      ? {}
      : { userDirectory: { kind: "file", path: options.userDirectoryFile } as const }),
  });
  return { app, stack, migration };
}
